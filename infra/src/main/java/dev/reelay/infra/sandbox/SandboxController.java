package dev.reelay.infra.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.web.OpenAiError;
import dev.reelay.kernel.api.OpenAiVideo;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A simulated provider speaking the OpenAI Videos format under {@code /sandbox/v1}: create (JSON or multipart),
 * remix, retrieve, delete, and a small real MP4, thumbnail and spritesheet once a job completes. It honours
 * {@code Idempotency-Key} like a careful provider would. Every route needs the sandbox key; {@link #requireKey} checks
 * it before anything else runs.
 */
@RestController
@RequestMapping("/sandbox/v1/videos")
@ConditionalOnProperty(prefix = "reelay.sandbox", name = "enabled", havingValue = "true")
class SandboxController {

    private final SandboxJobs jobs;
    private final SandboxSimulation simulation;
    private final SandboxProperties properties;
    private final byte[] video = resource("sandbox/video.mp4");
    private final byte[] thumbnail = resource("sandbox/thumbnail.png");
    private final byte[] spritesheet = resource("sandbox/spritesheet.jpg");

    SandboxController(SandboxJobs jobs, SandboxSimulation simulation, SandboxProperties properties) {
        this.jobs = jobs;
        this.simulation = simulation;
        this.properties = properties;
    }

    /** Runs before every route of this controller, and before its body is read. */
    @ModelAttribute
    void requireKey(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String auth) {
        if (auth == null || !auth.equals("Bearer " + properties.apiKey())) {
            throw new WrongKey();
        }
    }

    @ExceptionHandler(WrongKey.class)
    ResponseEntity<OpenAiError> wrongKey() {
        return error(HttpStatus.UNAUTHORIZED, "invalid_api_key", "Incorrect API key provided");
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> createJson(@RequestHeader(name = "Idempotency-Key", required = false) String key,
                                 @RequestBody JsonNode body) {
        return create(key, body.path("model").asText(null), body.path("prompt").asText(null),
                body.path("size").asText("720x1280"), body.path("seconds").asText("4"), null);
    }

    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<?> createMultipart(@RequestHeader(name = "Idempotency-Key", required = false) String key,
                                      @RequestParam Map<String, String> form) {
        return create(key, form.get("model"), form.get("prompt"), form.getOrDefault("size", "720x1280"),
                form.getOrDefault("seconds", "4"), null);
    }

    @PostMapping(path = "/{id}/remix", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> remix(@RequestHeader(name = "Idempotency-Key", required = false) String key,
                            @PathVariable String id, @RequestBody JsonNode body) {
        Optional<SandboxJobs.Job> source = jobs.live(id);
        if (source.isEmpty()) {
            return notFound(id);
        }
        return create(key, body.path("model").asText(source.get().model()), body.path("prompt").asText(null),
                source.get().size(), String.valueOf(source.get().seconds()), id);
    }

    private ResponseEntity<?> create(String key, String model, String prompt, String size, String seconds,
                                     String remixedFrom) {
        Optional<SandboxSimulation.Fault> fault = simulation.nextCreateFault();
        if (fault.isPresent()) {
            return switch (fault.get()) {
                case RATE_LIMITED -> ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                        .header(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, properties.retryAfter().toSeconds())))
                        .body(errorBody("rate_limit_exceeded", "Slow down"));
                case SERVER_ERROR -> error(HttpStatus.INTERNAL_SERVER_ERROR, "server_error", "The sandbox had a bad moment");
            };
        }
        if (prompt == null || prompt.isBlank() || model == null) {
            return error(HttpStatus.BAD_REQUEST, "invalid_request", "prompt and model are required");
        }
        // the simulated moderation: a prompt asking for it is refused the way OpenAI refuses one
        if (prompt.toLowerCase(Locale.ROOT).contains("forbidden")) {
            return error(HttpStatus.BAD_REQUEST, "moderation_blocked", "Your request was blocked by our moderation system");
        }
        SandboxJobs.Job job = jobs.byIdempotencyKey(key)
                .orElseGet(() -> jobs.insert(simulation.start(model, prompt, size, seconds, remixedFrom), key));
        return ResponseEntity.ok(simulation.video(job));
    }

    @GetMapping("/{id}")
    ResponseEntity<?> retrieve(@PathVariable String id) {
        Optional<SandboxJobs.Job> job = jobs.live(id);
        if (job.isEmpty()) {
            return notFound(id);
        }
        ResponseEntity.BodyBuilder ok = ResponseEntity.ok();
        if (properties.pollAfterMs() > 0) {
            ok.header("openai-poll-after-ms", String.valueOf(properties.pollAfterMs()));
        }
        return ok.body(simulation.video(job.get()));
    }

    @DeleteMapping("/{id}")
    ResponseEntity<?> delete(@PathVariable String id) {
        return jobs.delete(id) ? ResponseEntity.ok(OpenAiVideo.Deleted.of(id)) : notFound(id);
    }

    @GetMapping("/{id}/content")
    ResponseEntity<byte[]> content(@PathVariable String id, @RequestParam(defaultValue = "video") String variant) {
        if (!jobs.live(id).map(simulation::completed).orElse(false)) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).build();
        }
        return switch (variant) {
            case "video" -> ResponseEntity.ok().contentType(MediaType.parseMediaType("video/mp4")).body(video);
            case "thumbnail" -> ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(thumbnail);
            case "spritesheet" -> ResponseEntity.ok().contentType(MediaType.IMAGE_JPEG).body(spritesheet);
            default -> ResponseEntity.badRequest().build();
        };
    }

    private static ResponseEntity<OpenAiError> notFound(String id) {
        return error(HttpStatus.NOT_FOUND, "not_found", "no video " + id);
    }

    private static ResponseEntity<OpenAiError> error(HttpStatus status, String code, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(errorBody(code, message));
    }

    private static OpenAiError errorBody(String code, String message) {
        return OpenAiError.of(message, "invalid_request_error", null, code);
    }

    private static byte[] resource(String path) {
        try (var in = new ClassPathResource(path).getInputStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The request did not carry the sandbox key. */
    private static final class WrongKey extends RuntimeException {
        WrongKey() {
            super(null, null, false, false);
        }
    }
}
