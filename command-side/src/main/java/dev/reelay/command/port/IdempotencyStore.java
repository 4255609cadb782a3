package dev.reelay.command.port;

import java.util.Optional;

/**
 * Remembers {@code Idempotency-Key}s per owner and route family so a retried create returns the original result,
 * in the shape of the route it was sent to.
 */
public interface IdempotencyStore {

    /**
     * The routes that share one response shape. A key is scoped to its family: the same key on {@code /api/video/*}
     * and on {@code /v1/videos} names two requests, so a seed envelope never reaches an OpenAI SDK or the reverse.
     */
    enum RouteFamily { API, OPENAI }

    /** Claims the key for this request, or tells why it cannot be claimed. */
    Claim claim(String owner, RouteFamily family, String key, String requestHash);

    /** Stores the response the claimed request produced. */
    void complete(String owner, RouteFamily family, String key, int status, String responseBody);

    /** Frees a claim whose request failed, so a retry may run. */
    void release(String owner, RouteFamily family, String key);

    /** The outcome of {@link #claim}. */
    record Claim(Outcome outcome, Optional<StoredResponse> response) {
        public static Claim of(Outcome outcome) {
            return new Claim(outcome, Optional.empty());
        }
    }

    enum Outcome { CLAIMED, REPLAY, DIFFERENT_REQUEST, IN_PROGRESS }

    /** A response to replay verbatim. */
    record StoredResponse(int status, String body) {
    }
}
