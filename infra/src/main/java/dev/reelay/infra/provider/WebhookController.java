package dev.reelay.infra.provider;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.command.upstream.UpstreamEffects;
import dev.reelay.command.upstream.UpstreamProviders;
import dev.reelay.infra.web.ProblemWriter;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.FieldViolation;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.VideoId;
import dev.reelay.kernel.text.VisibleText;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Provider webhooks in. A delivery must carry a valid signature (bad or stale: 401, nothing changes): Standard
 * Webhooks for the OpenAI format, the relay and Replicate, fal's ED25519 signature for fal ({@link FalWebhooks}); each
 * delivery ({@code webhook-id}; for fal, request id and timestamp) is handled once; a delivery about a job triggers
 * the same status fetch, and so the same commands, as a poll.
 * <p>
 * A delivery is recorded as received only after it was handled: a body that is not a JSON object, or a failure on
 * the way, leaves its {@code webhook-id} unused so the provider's retry is handled, not dropped as a duplicate. Two
 * copies arriving at the very same moment may both be handled; that costs one extra status fetch, never a
 * duplicate event (observations that are not new produce none). Header sizes are bounded before any work: over
 * the bound is 400.
 */
@RestController
class WebhookController {

    private static final Logger log = LoggerFactory.getLogger(WebhookController.class);

    /** Standard Webhooks ids are short tokens ({@code msg_…}); the receipt column holds 255. */
    private static final Pattern WEBHOOK_ID = Pattern.compile("[\\x21-\\x7E]{1,255}");
    private static final int MAX_TIMESTAMP = 20;
    /** Room for a few dozen {@code v1,<base64>} signatures while keys rotate. */
    private static final int MAX_SIGNATURES = 4096;

    private final HttpUpstreamProviders providers;
    private final JdbcUpstreamBindings bindings;
    private final UpstreamEffects effects;
    private final JdbcTemplate jdbc;
    private final ObjectMapper json;
    private final ProblemWriter problems;
    private final Clock clock;
    private final FalWebhooks falWebhooks;

    WebhookController(HttpUpstreamProviders providers, JdbcUpstreamBindings bindings, UpstreamEffects effects,
                      JdbcTemplate jdbc, ObjectMapper json, ProblemWriter problems, Clock clock, FalWebhooks falWebhooks) {
        this.falWebhooks = falWebhooks;
        this.providers = providers;
        this.bindings = bindings;
        this.effects = effects;
        this.jdbc = jdbc;
        this.json = json;
        this.problems = problems;
        this.clock = clock;
    }

    @PostMapping("/webhooks/upstream/{providerId}")
    ResponseEntity<Object> receive(@PathVariable String providerId,
                                   @RequestHeader(name = "webhook-id", required = false) String id,
                                   @RequestHeader(name = "webhook-timestamp", required = false) String timestamp,
                                   @RequestHeader(name = "webhook-signature", required = false) String signature,
                                   @RequestBody(required = false) byte[] body, HttpServletRequest request) {
        Optional<ProviderProperties.Provider> provider = providers.config(providerId);
        boolean fal = provider.isPresent() && provider.get().format() == ProviderProperties.Format.FAL_QUEUE;
        if (provider.isEmpty() || !fal && (provider.get().webhookSecret() == null || provider.get().webhookSecret().isBlank())
                || fal && !provider.get().webhooks()) {
            throw new TaskRejectedException(ErrorCode.TASK_NOT_FOUND, "no webhook endpoint for " + limit(providerId));
        }
        byte[] payload = body == null ? new byte[0] : body;
        StandardWebhooks.Verdict verdict;
        String receipt;
        if (fal) {
            String requestId = request.getHeader("X-Fal-Webhook-Request-Id");
            String falTimestamp = request.getHeader("X-Fal-Webhook-Timestamp");
            checkHeaderSizes(requestId, falTimestamp, request.getHeader("X-Fal-Webhook-Signature"), FAL_HEADERS);
            checkHeaderSizes(request.getHeader("X-Fal-Webhook-User-Id"), null, null, FAL_HEADERS);
            verdict = falWebhooks.verify(provider.get().webhookJwksUrl(), requestId,
                    request.getHeader("X-Fal-Webhook-User-Id"), falTimestamp,
                    request.getHeader("X-Fal-Webhook-Signature"), payload);
            // fal names no delivery id: one request's delivery at one second is one delivery, a replay repeats both
            receipt = requestId + ":" + falTimestamp;
        } else {
            checkHeaderSizes(id, timestamp, signature, STANDARD_HEADERS);
            verdict = new StandardWebhooks(provider.get().webhookSecret()).verify(id, timestamp, signature, payload,
                    clock.instant());
            receipt = id;
        }
        if (verdict != StandardWebhooks.Verdict.VALID) {
            log.warn("rejected webhook for {}: {}", providerId, verdict);
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .body(problems.problem(HttpStatus.UNAUTHORIZED, "WEBHOOK_" + verdict.name(),
                            "webhook signature check failed: " + verdict, List.of(), request.getRequestURI()));
        }
        JsonNode event = parse(payload);
        if (alreadyReceived(providerId, receipt)) {
            return ResponseEntity.ok(Receipt.DUPLICATE);
        }
        Optional<String> externalId = jobOf(provider.get().format(), event);
        externalId.ifPresent(job -> {
            Optional<VideoId> videoId = fal ? bindings.videoForPrefix(providerId, job, '@') : bindings.videoFor(providerId, job);
            videoId.ifPresentOrElse(v -> effects.refresh(v, providerId, fal ? bindings.of(v).map(
                                    UpstreamProviders.Binding::externalTaskId).orElse(job) : job),
                    () -> log.info("webhook for unknown job {} on {}", limit(job), providerId));
        });
        // handled: only now does the delivery count as received
        jdbc.update("insert into webhook_receipt(provider_id, webhook_id, received_at) values (?, ?, ?) "
                + "on conflict do nothing", providerId, receipt, Timestamp.from(clock.instant()));
        return ResponseEntity.ok(Receipt.HANDLED);
    }

    /**
     * Which job a verified delivery is about, in each format's own shape: the OpenAI Videos event
     * ({@code video.completed}/{@code video.failed} with {@code data.id}), Replicate's prediction itself ({@code id}),
     * fal's result ({@code request_id}). Anything else is acknowledged and ignored.
     */
    private static Optional<String> jobOf(ProviderProperties.Format format, JsonNode event) {
        return Optional.ofNullable(switch (format) {
            case REPLICATE -> event.path("id").asText(null);
            case FAL_QUEUE -> event.path("request_id").asText(null);
            default -> {
                String type = event.path("type").asText("");
                yield type.equals("video.completed") || type.equals("video.failed")
                        ? event.path("data").path("id").asText(null) : null;
            }
        }).filter(job -> !job.isBlank());
    }

    /** The three signature headers of a format: the id, the timestamp and the signature. */
    private record HeaderNames(String id, String timestamp, String signature) {
    }

    private static final HeaderNames STANDARD_HEADERS = new HeaderNames("webhook-id", "webhook-timestamp", "webhook-signature");
    private static final HeaderNames FAL_HEADERS = new HeaderNames("X-Fal-Webhook-Request-Id", "X-Fal-Webhook-Timestamp",
            "X-Fal-Webhook-Signature");

    private static void checkHeaderSizes(String id, String timestamp, String signature, HeaderNames names) {
        List<FieldViolation> violations = new ArrayList<>();
        // fal's receipt is "<request id>:<timestamp>", which must fit the same 255 characters
        if (id != null && (!WEBHOOK_ID.matcher(id).matches() || names == FAL_HEADERS && id.length() > 200)) {
            violations.add(new FieldViolation(names.id(), "PATTERN", names.id() + " must be 1-"
                    + (names == FAL_HEADERS ? 200 : 255) + " visible ASCII characters"));
        }
        if (timestamp != null && timestamp.length() > MAX_TIMESTAMP) {
            violations.add(new FieldViolation(names.timestamp(), "MAX_LENGTH",
                    names.timestamp() + " must be at most " + MAX_TIMESTAMP + " characters"));
        }
        if (signature != null && signature.length() > MAX_SIGNATURES) {
            violations.add(new FieldViolation(names.signature(), "MAX_LENGTH",
                    names.signature() + " must be at most " + MAX_SIGNATURES + " characters"));
        }
        if (!violations.isEmpty()) {
            throw new TaskRejectedException(ErrorCode.MALFORMED_REQUEST, "webhook headers out of bounds", violations);
        }
    }

    private JsonNode parse(byte[] payload) {
        try {
            JsonNode event = json.readTree(payload);
            if (event != null && event.isObject()) {
                return event;
            }
        } catch (Exception e) {
            // not JSON: refused below
        }
        throw new TaskRejectedException(ErrorCode.MALFORMED_REQUEST, "webhook body is not a JSON object");
    }

    private boolean alreadyReceived(String providerId, String id) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "select exists(select 1 from webhook_receipt where provider_id = ? and webhook_id = ?)",
                Boolean.class, providerId, id));
    }

    /** Client-chosen ids echoed in messages and logs: bounded so a sender cannot choose their size. */
    private static String limit(String value) {
        return VisibleText.abbreviate(value, 64);
    }

    /** The acknowledgement: {@code duplicate} only for a {@code webhook-id} that was already handled. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Receipt(boolean received, Boolean duplicate) {
        static final Receipt HANDLED = new Receipt(true, null);
        static final Receipt DUPLICATE = new Receipt(true, true);
    }
}
