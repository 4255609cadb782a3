package dev.reelay.infra.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.command.upstream.UpstreamEffects;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.VideoId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * Provider webhooks in. A delivery must carry a valid Standard Webhooks signature (bad or stale: 401, nothing
 * changes); each {@code webhook-id} is handled once; {@code video.completed}/{@code video.failed} trigger the same
 * status fetch, and so the same commands, as a poll.
 */
@RestController
class WebhookController {

    private static final Logger log = LoggerFactory.getLogger(WebhookController.class);

    private final HttpUpstreamProviders providers;
    private final JdbcUpstreamBindings bindings;
    private final UpstreamEffects effects;
    private final JdbcTemplate jdbc;
    private final ObjectMapper json;
    private final Clock clock;

    WebhookController(HttpUpstreamProviders providers, JdbcUpstreamBindings bindings, UpstreamEffects effects,
                      JdbcTemplate jdbc, ObjectMapper json, Clock clock) {
        this.providers = providers;
        this.bindings = bindings;
        this.effects = effects;
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
    }

    @PostMapping("/webhooks/upstream/{providerId}")
    ResponseEntity<Map<String, Object>> receive(@PathVariable String providerId,
                                                @RequestHeader(name = "webhook-id", required = false) String id,
                                                @RequestHeader(name = "webhook-timestamp", required = false) String timestamp,
                                                @RequestHeader(name = "webhook-signature", required = false) String signature,
                                                @RequestBody(required = false) byte[] body) {
        Optional<ProviderProperties.Provider> provider = providers.config(providerId);
        if (provider.isEmpty() || provider.get().webhookSecret() == null || provider.get().webhookSecret().isBlank()) {
            throw new TaskRejectedException(ErrorCode.TASK_NOT_FOUND, "no webhook endpoint for " + limit(providerId));
        }
        byte[] payload = body == null ? new byte[0] : body;
        StandardWebhooks.Verdict verdict = new StandardWebhooks(provider.get().webhookSecret())
                .verify(id, timestamp, signature, payload, clock.instant());
        if (verdict != StandardWebhooks.Verdict.VALID) {
            log.warn("rejected webhook for {}: {}", providerId, verdict);
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON)
                    .body(Map.of("type", "https://reelay.dev/problems/webhook-signature", "title", "Unauthorized",
                            "status", 401, "code", "WEBHOOK_" + verdict.name(), "detail", "webhook signature check failed: " + verdict));
        }
        int fresh = jdbc.update("insert into webhook_receipt(provider_id, webhook_id, received_at) values (?, ?, ?) "
                + "on conflict do nothing", providerId, id, Timestamp.from(clock.instant()));
        if (fresh == 0) {
            return ResponseEntity.ok(Map.of("received", true, "duplicate", true));
        }
        JsonNode event;
        try {
            event = json.readTree(payload);
        } catch (Exception e) {
            throw new TaskRejectedException(ErrorCode.MALFORMED_REQUEST, "webhook body is not JSON");
        }
        String type = event.path("type").asText("");
        String externalId = event.path("data").path("id").asText(null);
        if ((type.equals("video.completed") || type.equals("video.failed")) && externalId != null) {
            Optional<VideoId> videoId = bindings.videoFor(providerId, externalId);
            videoId.ifPresentOrElse(v -> effects.refresh(v, providerId, externalId),
                    () -> log.info("webhook {} for unknown job {} on {}", type, externalId, providerId));
        }
        return ResponseEntity.ok(Map.of("received", true));
    }

    private static String limit(String value) {
        return value.length() > 64 ? value.substring(0, 64) : value;
    }
}
