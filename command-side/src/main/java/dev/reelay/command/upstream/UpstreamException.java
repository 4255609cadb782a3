package dev.reelay.command.upstream;

import java.time.Duration;

/**
 * A classified upstream failure. The message is safe to store and show: adapters never put keys, tokens or raw
 * request bodies in it.
 */
public class UpstreamException extends RuntimeException {

    /** How the saga should react. */
    public enum Kind {
        /** connection error, timeout before sending, 5xx, 429: try again (here or on the next provider) */
        TRANSIENT,
        /** the request may have reached the provider (timeout after sending): only retry with an idempotency key */
        AMBIGUOUS,
        /** the provider refused the user's input (validation, moderation): do not retry */
        USER_ERROR,
        /** our configuration is wrong (401/403/404 on create): fail over, do not retry here */
        CONFIGURATION,
        /** anything else: fail the task, keep the provider's code */
        UNKNOWN
    }

    private final Kind kind;
    private final int httpStatus;
    private final String providerCode;
    private final Duration retryAfter;

    public UpstreamException(Kind kind, int httpStatus, String providerCode, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.kind = kind;
        this.httpStatus = httpStatus;
        this.providerCode = providerCode;
        this.retryAfter = retryAfter;
    }

    /**
     * Any failure of an upstream call, classified by its type: adapters throw {@code UpstreamException}s already; a
     * timeout of the whole call may have reached the provider; anything else (a connection that failed) did not.
     */
    public static UpstreamException of(Throwable error) {
        if (error instanceof UpstreamException upstream) {
            return upstream;
        }
        if (error instanceof java.util.concurrent.TimeoutException) {
            return new UpstreamException(Kind.AMBIGUOUS, 0, null, "timed out", null);
        }
        return new UpstreamException(Kind.TRANSIENT, 0, null,
                error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage()), null);
    }

    public Kind kind() {
        return kind;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String providerCode() {
        return providerCode;
    }

    /** The provider's {@code Retry-After}, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    public boolean retryable(boolean idempotent) {
        return kind == Kind.TRANSIENT || kind == Kind.AMBIGUOUS && idempotent;
    }
}
