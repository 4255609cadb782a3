package dev.reelay.command.port;

import java.util.Optional;

/** Remembers {@code Idempotency-Key}s per owner so a retried create returns the original result. */
public interface IdempotencyStore {

    /** Claims the key for this request, or tells why it cannot be claimed. */
    Claim claim(String owner, String key, String requestHash);

    /** Stores the response the claimed request produced. */
    void complete(String owner, String key, int status, String responseBody);

    /** Frees a claim whose request failed, so a retry may run. */
    void release(String owner, String key);

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
