package dev.reelay.infra.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A simulated provider speaking the OpenAI Videos format under {@code /sandbox/v1}: jobs go queued → in_progress
 * with rising progress → completed after {@code job-duration} (or failed, at {@code failure-rate}), serve a small
 * real MP4, thumbnail and spritesheet, and honour {@code Idempotency-Key} like a careful provider would. Jobs live in
 * PostgreSQL so they survive a restart, as a real provider's would.
 */
@RestController
@RequestMapping("/sandbox/v1/videos")
@ConditionalOnProperty(prefix = "reelay.sandbox", name = "enabled", havingValue = "true")
class SandboxProvider {

    private final JdbcTemplate jdbc;
    private final SandboxProperties properties;
    private final Clock clock;
    private final AtomicLong creates = new AtomicLong();
    private final byte[] video = resource("sandbox/video.mp4");
    private final byte[] thumbnail = resource("sandbox/thumbnail.png");
    private final byte[] spritesheet = resource("sandbox/spritesheet.jpg");

    SandboxProvider(JdbcTemplate jdbc, SandboxProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.clock = clock;
    }

    record Job(String id, String model, String prompt, String size, int seconds, String remixedFrom, Instant createdAt,
               long durationMs, boolean fails, boolean deleted) {
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> createJson(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String auth,
                                                   @RequestHeader(name = "Idempotency-Key", required = false) String key,
                                                   @RequestBody JsonNode body) {
        return create(auth, key, body.path("model").asText(null), body.path("prompt").asText(null),
                body.path("size").asText("720x1280"), body.path("seconds").asText("4"), null);
    }

    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<Map<String, Object>> createMultipart(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String auth,
                                                        @RequestHeader(name = "Idempotency-Key", required = false) String key,
                                                        @RequestParam Map<String, String> form) {
        return create(auth, key, form.get("model"), form.get("prompt"), form.getOrDefault("size", "720x1280"),
                form.getOrDefault("seconds", "4"), null);
    }

    @PostMapping(path = "/{id}/remix", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> remix(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String auth,
                                              @RequestHeader(name = "Idempotency-Key", required = false) String key,
                                              @PathVariable String id, @RequestBody JsonNode body) {
        if (!authorised(auth)) {
            return error(HttpStatus.UNAUTHORIZED, "invalid_api_key", "Incorrect API key provided");
        }
        Job source = find(id);
        if (source == null || source.deleted()) {
            return error(HttpStatus.NOT_FOUND, "not_found", "no video " + id);
        }
        return create(auth, key, body.path("model").asText(source.model()), body.path("prompt").asText(null), source.size(),
                String.valueOf(source.seconds()), id);
    }

    private ResponseEntity<Map<String, Object>> create(String auth, String key, String model, String prompt, String size,
                                                       String seconds, String remixedFrom) {
        if (!authorised(auth)) {
            return error(HttpStatus.UNAUTHORIZED, "invalid_api_key", "Incorrect API key provided");
        }
        long n = creates.incrementAndGet();
        if (properties.rateLimitEvery() > 0 && n % properties.rateLimitEvery() == 0) {
            return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                    .header(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, properties.retryAfter().toSeconds())))
                    .body(errorBody("rate_limit_exceeded", "Slow down"));
        }
        if (properties.serverErrorEvery() > 0 && n % properties.serverErrorEvery() == 0) {
            return error(HttpStatus.INTERNAL_SERVER_ERROR, "server_error", "The sandbox had a bad moment");
        }
        if (prompt == null || prompt.isBlank() || model == null) {
            return error(HttpStatus.BAD_REQUEST, "invalid_request", "prompt and model are required");
        }
        if (prompt.toLowerCase().contains("forbidden")) {
            return error(HttpStatus.BAD_REQUEST, "moderation_blocked", "Your request was blocked by our moderation system");
        }
        if (key != null) {
            List<Job> existing = jdbc.query("select * from sandbox_job where idempotency_key = ?", this::job, key);
            if (!existing.isEmpty()) {
                return ResponseEntity.ok(object(existing.get(0)));
            }
        }
        int secs = seconds.matches("\\d{1,4}") ? Integer.parseInt(seconds) : 4;
        boolean fails = ThreadLocalRandom.current().nextDouble() < properties.failureRate();
        String id = "video_" + UUID.randomUUID().toString().replace("-", "");
        int inserted = jdbc.update("insert into sandbox_job(id, idempotency_key, model, prompt, size, seconds, remixed_from, "
                        + "created_at, duration_ms, fails) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (idempotency_key) do nothing",
                id, key, model, prompt, size, secs, remixedFrom, Timestamp.from(clock.instant()),
                properties.jobDuration().toMillis(), fails);
        if (inserted == 0) {
            return ResponseEntity.ok(object(jdbc.query("select * from sandbox_job where idempotency_key = ?", this::job, key).get(0)));
        }
        return ResponseEntity.ok(object(find(id)));
    }

    @GetMapping("/{id}")
    ResponseEntity<Map<String, Object>> retrieve(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String auth,
                                                 @PathVariable String id) {
        if (!authorised(auth)) {
            return error(HttpStatus.UNAUTHORIZED, "invalid_api_key", "Incorrect API key provided");
        }
        Job job = find(id);
        if (job == null || job.deleted()) {
            return error(HttpStatus.NOT_FOUND, "not_found", "no video " + id);
        }
        ResponseEntity.BodyBuilder ok = ResponseEntity.ok();
        if (properties.pollAfterMs() > 0) {
            ok.header("openai-poll-after-ms", String.valueOf(properties.pollAfterMs()));
        }
        return ok.body(object(job));
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Map<String, Object>> delete(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String auth,
                                               @PathVariable String id) {
        if (!authorised(auth)) {
            return error(HttpStatus.UNAUTHORIZED, "invalid_api_key", "Incorrect API key provided");
        }
        if (jdbc.update("update sandbox_job set deleted = true where id = ?", id) == 0) {
            return error(HttpStatus.NOT_FOUND, "not_found", "no video " + id);
        }
        return ResponseEntity.ok(Map.of("id", id, "object", "video.deleted", "deleted", true));
    }

    @GetMapping("/{id}/content")
    ResponseEntity<byte[]> content(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String auth,
                                   @PathVariable String id, @RequestParam(defaultValue = "video") String variant) {
        if (!authorised(auth)) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).build();
        }
        Job job = find(id);
        if (job == null || job.deleted() || !"completed".equals(status(job))) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).build();
        }
        return switch (variant) {
            case "video" -> ResponseEntity.ok().contentType(MediaType.parseMediaType("video/mp4")).body(video);
            case "thumbnail" -> ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(thumbnail);
            case "spritesheet" -> ResponseEntity.ok().contentType(MediaType.IMAGE_JPEG).body(spritesheet);
            default -> ResponseEntity.badRequest().build();
        };
    }


    private String status(Job job) {
        long elapsed = Duration.between(job.createdAt(), clock.instant()).toMillis();
        if (elapsed >= job.durationMs()) {
            return job.fails() ? "failed" : "completed";
        }
        return elapsed < job.durationMs() / 10 ? "queued" : "in_progress";
    }

    private Map<String, Object> object(Job job) {
        String status = status(job);
        long elapsed = Duration.between(job.createdAt(), clock.instant()).toMillis();
        int progress = switch (status) {
            case "completed" -> 100;
            case "queued" -> 0;
            case "failed" -> (int) Math.min(99, 100 * elapsed / Math.max(1, job.durationMs()));
            default -> (int) Math.max(1, Math.min(99, 100 * elapsed / Math.max(1, job.durationMs())));
        };
        Map<String, Object> video = new LinkedHashMap<>();
        video.put("id", job.id());
        video.put("object", "video");
        video.put("model", job.model());
        video.put("status", status);
        video.put("progress", progress);
        video.put("created_at", job.createdAt().getEpochSecond());
        video.put("size", job.size());
        video.put("seconds", String.valueOf(job.seconds()));
        video.put("prompt", job.prompt());
        video.put("remixed_from_video_id", job.remixedFrom());
        if ("completed".equals(status)) {
            video.put("completed_at", job.createdAt().plusMillis(job.durationMs()).getEpochSecond());
            video.put("expires_at", job.createdAt().plusMillis(job.durationMs()).plus(Duration.ofHours(1)).getEpochSecond());
        }
        if ("failed".equals(status)) {
            video.put("error", Map.of("code", "sandbox_failure", "message", "The sandbox failed this job on purpose"));
        }
        return video;
    }

    private Job find(String id) {
        List<Job> jobs = jdbc.query("select * from sandbox_job where id = ?", this::job, id);
        return jobs.isEmpty() ? null : jobs.get(0);
    }

    private Job job(ResultSet rs, int row) throws SQLException {
        return new Job(rs.getString("id"), rs.getString("model"), rs.getString("prompt"), rs.getString("size"),
                rs.getInt("seconds"), rs.getString("remixed_from"), rs.getTimestamp("created_at").toInstant(),
                rs.getLong("duration_ms"), rs.getBoolean("fails"), rs.getBoolean("deleted"));
    }

    private boolean authorised(String auth) {
        return auth != null && auth.equals("Bearer " + properties.apiKey());
    }

    private static ResponseEntity<Map<String, Object>> error(HttpStatus status, String code, String message) {
        return ResponseEntity.status(status).body(errorBody(code, message));
    }

    private static Map<String, Object> errorBody(String code, String message) {
        return Map.of("error", Map.of("code", code, "message", message, "type", "invalid_request_error"));
    }

    private static byte[] resource(String path) {
        try (var in = new ClassPathResource(path).getInputStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
