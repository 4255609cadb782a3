package dev.reelay.infra.webhook;

import java.time.Instant;
import java.util.List;

/**
 * One queued message to one endpoint and its attempts, newest first.
 *
 * @param id            the {@code webhook-id} it is sent with (the same on every attempt and on a redelivery)
 * @param status        {@code PENDING} (waiting for its next attempt, or for an earlier message of its task),
 *                      {@code DELIVERED} (a 2xx answer), {@code FAILED} (the retry schedule ran out)
 * @param nextAttemptAt when a PENDING message is tried next
 */
record DeliveryView(String id, String endpointId, String eventId, String type, String videoId, String status,
                    int attempts, Instant nextAttemptAt, Instant createdAt, List<Attempt> log) {

    /**
     * @param statusCode the receiver's HTTP status, null when there was no answer (see {@code error})
     * @param response   the first 1 KB of the receiver's answer
     */
    record Attempt(Instant attemptedAt, Integer statusCode, long latencyMs, String response, String error) {
    }
}
