package dev.reelay.infra.webhook;

import dev.reelay.infra.provider.OutboundUrlGuard;
import dev.reelay.infra.web.ProblemWriter;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.account.OwnerScope;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.FieldViolation;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.text.VisibleText;
import dev.reelay.query.access.TaskAccess;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Client webhooks: a user's endpoints (admins see and manage everyone's) and the delivery log. Someone else's
 * endpoint or delivery is 404, never 403. A secret is answered once, when it is made (create, rotate).
 */
@RestController
class WebhookEndpointController {

    static final int MAX_URL = 2048;
    static final int MAX_DESCRIPTION = 500;
    private static final Set<String> STATUSES = Set.of("PENDING", "DELIVERED", "FAILED");

    private final Endpoints endpoints;
    private final DeliveryQueue deliveries;
    private final OutboundUrlGuard guard;
    private final WebhookProperties properties;
    private final ProblemWriter problems;
    private final Clock clock;

    WebhookEndpointController(Endpoints endpoints, DeliveryQueue deliveries, OutboundUrlGuard guard,
                              WebhookProperties properties, ProblemWriter problems, Clock clock) {
        this.endpoints = endpoints;
        this.deliveries = deliveries;
        this.guard = guard;
        this.properties = properties;
        this.problems = problems;
        this.clock = clock;
    }

    /** {@code events}: any of {@code video.queued, video.processing, video.progress, video.completed, video.failed, video.cancelled, video.expired}. */
    record CreateEndpoint(String url, List<String> events, String description) {
    }

    /** Every field optional: {@code enabled} switches the endpoint (enabling clears its run of failures). */
    record ChangeEndpoint(Boolean enabled, List<String> events, String description) {
    }

    /** The endpoint and its signing secret ({@code whsec_…}), shown this once. */
    record EndpointSecret(String id, String secret, EndpointView endpoint) {
    }

    /** Thrown for an endpoint or delivery the caller cannot see. */
    static final class NotFound extends RuntimeException {
        private final String code;

        NotFound(String code, String detail) {
            super(detail, null, false, false);
            this.code = code;
        }
    }

    @PostMapping("/api/webhooks/endpoints")
    ResponseEntity<SeedEnvelope<EndpointSecret>> create(@RequestBody CreateEndpoint body, Owner caller) {
        long started = clock.millis();
        List<FieldViolation> violations = new ArrayList<>();
        checkUrl(body.url(), violations);
        List<String> events = checkEvents(body.events(), true, violations);
        checkDescription(body.description(), violations);
        reject(violations);
        Endpoints.Created created = endpoints.create(caller, body.url().trim(), events, body.description());
        return ResponseEntity.status(HttpStatus.CREATED).body(SeedEnvelope.of(
                new EndpointSecret(created.endpoint().id(), created.secret(), created.endpoint()), clock.millis() - started));
    }

    @GetMapping("/api/webhooks/endpoints")
    SeedEnvelope<List<EndpointView>> list(Owner caller, HttpServletRequest request) {
        long started = clock.millis();
        return SeedEnvelope.of(endpoints.list(scope(caller, request)), clock.millis() - started);
    }

    @GetMapping("/api/webhooks/endpoints/{id}")
    SeedEnvelope<EndpointView> get(@PathVariable String id, Owner caller, HttpServletRequest request) {
        long started = clock.millis();
        return SeedEnvelope.of(endpoints.find(id, scope(caller, request)).orElseThrow(() -> noEndpoint(id)),
                clock.millis() - started);
    }

    @PatchMapping("/api/webhooks/endpoints/{id}")
    SeedEnvelope<EndpointView> change(@PathVariable String id, @RequestBody ChangeEndpoint body, Owner caller,
                                      HttpServletRequest request) {
        long started = clock.millis();
        List<FieldViolation> violations = new ArrayList<>();
        List<String> events = checkEvents(body.events(), false, violations);
        checkDescription(body.description(), violations);
        reject(violations);
        return SeedEnvelope.of(endpoints.change(id, scope(caller, request), body.enabled(), events, body.description())
                .orElseThrow(() -> noEndpoint(id)), clock.millis() - started);
    }

    @DeleteMapping("/api/webhooks/endpoints/{id}")
    ResponseEntity<Void> delete(@PathVariable String id, Owner caller, HttpServletRequest request) {
        if (!endpoints.delete(id, scope(caller, request))) {
            throw noEndpoint(id);
        }
        return ResponseEntity.noContent().build();
    }

    /** A new secret; the previous one keeps signing beside it for {@code reelay.webhooks.rotation-overlap}. */
    @PostMapping("/api/webhooks/endpoints/{id}/secret")
    SeedEnvelope<EndpointSecret> rotate(@PathVariable String id, Owner caller, HttpServletRequest request) {
        long started = clock.millis();
        Endpoints.Created rotated = endpoints.rotate(id, scope(caller, request), properties.rotationOverlap())
                .orElseThrow(() -> noEndpoint(id));
        return SeedEnvelope.of(new EndpointSecret(id, rotated.secret(), rotated.endpoint()), clock.millis() - started);
    }

    /** Newest first; {@code status}: PENDING, DELIVERED or FAILED. */
    @GetMapping("/api/webhooks/deliveries")
    SeedEnvelope<List<DeliveryView>> deliveries(@RequestParam(required = false) String endpoint,
                                                @RequestParam(required = false) String status,
                                                @RequestParam(defaultValue = "50") int limit,
                                                Owner caller, HttpServletRequest request) {
        long started = clock.millis();
        String wanted = status == null ? null : status.trim().toUpperCase(Locale.ROOT);
        if (wanted != null && !STATUSES.contains(wanted)) {
            throw new TaskRejectedException(ErrorCode.MALFORMED_REQUEST, "status must be PENDING, DELIVERED or FAILED",
                    List.of(new FieldViolation("status", "ENUM", "one of PENDING, DELIVERED, FAILED")));
        }
        if (limit < 1 || limit > DeliveryQueue.MAX_LIST) {
            throw new TaskRejectedException(ErrorCode.MALFORMED_REQUEST, "limit must be 1-" + DeliveryQueue.MAX_LIST,
                    List.of(new FieldViolation("limit", "RANGE", "1-" + DeliveryQueue.MAX_LIST)));
        }
        return SeedEnvelope.of(deliveries.list(scope(caller, request), endpoint, wanted, null, limit),
                clock.millis() - started);
    }

    /** Queues the message again, due at once and with a fresh retry schedule; its {@code webhook-id} stays. */
    @PostMapping("/api/webhooks/deliveries/{id}/redeliver")
    ResponseEntity<SeedEnvelope<DeliveryView>> redeliver(@PathVariable String id, Owner caller, HttpServletRequest request) {
        long started = clock.millis();
        DeliveryView queued = deliveries.redeliver(id, scope(caller, request))
                .orElseThrow(() -> new NotFound("WEBHOOK_DELIVERY_NOT_FOUND", "No such delivery: " + VisibleText.abbreviate(id, 64)));
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(SeedEnvelope.of(queued, clock.millis() - started));
    }

    @ExceptionHandler(NotFound.class)
    ResponseEntity<Object> notFound(NotFound e, HttpServletRequest request) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problems.problem(HttpStatus.NOT_FOUND, e.code, e.getMessage(), List.of(), request.getRequestURI()));
    }

    private static OwnerScope scope(Owner caller, HttpServletRequest request) {
        return TaskAccess.isAdmin(request) ? OwnerScope.everyone() : OwnerScope.only(caller);
    }

    private static NotFound noEndpoint(String id) {
        return new NotFound("WEBHOOK_ENDPOINT_NOT_FOUND", "No such webhook endpoint: " + VisibleText.abbreviate(id, 64));
    }

    private void checkUrl(String url, List<FieldViolation> violations) {
        if (url == null || url.isBlank()) {
            violations.add(new FieldViolation("url", "REQUIRED", "url is required"));
        } else if (url.length() > MAX_URL) {
            violations.add(new FieldViolation("url", "MAX_LENGTH", "url must be at most " + MAX_URL + " characters"));
        } else {
            guard.refusal(url.trim()).ifPresent(why -> violations.add(new FieldViolation("url", "URL_NOT_ALLOWED",
                    "url is not allowed: " + why)));
        }
    }

    private static List<String> checkEvents(List<String> events, boolean required, List<FieldViolation> violations) {
        if (events == null) {
            if (required) {
                violations.add(new FieldViolation("events", "REQUIRED", "events is required"));
            }
            return null;
        }
        if (events.isEmpty()) {
            violations.add(new FieldViolation("events", "REQUIRED", "events must name at least one event type"));
        }
        Set<String> distinct = new LinkedHashSet<>();
        for (int i = 0; i < events.size(); i++) {
            String event = events.get(i);
            if (event == null || WebhookEventType.named(event).isEmpty()) {
                violations.add(new FieldViolation("events[" + i + "]", "UNKNOWN_EVENT",
                        "one of " + String.join(", ", WebhookEventType.NAMES)));
            } else {
                distinct.add(event);
            }
        }
        return List.copyOf(distinct);
    }

    private static void checkDescription(String description, List<FieldViolation> violations) {
        if (description != null && description.length() > MAX_DESCRIPTION) {
            violations.add(new FieldViolation("description", "MAX_LENGTH",
                    "description must be at most " + MAX_DESCRIPTION + " characters"));
        }
    }

    private static void reject(List<FieldViolation> violations) {
        if (!violations.isEmpty()) {
            throw new TaskRejectedException(ErrorCode.VALIDATION_FAILED, "the webhook endpoint is not valid", violations);
        }
    }
}
