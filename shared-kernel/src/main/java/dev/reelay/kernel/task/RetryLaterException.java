package dev.reelay.kernel.task;

import java.time.Duration;

/** A refusal for now only (a per-user bound is reached, a queue is full): the same request may succeed after {@code retryAfter}. */
public class RetryLaterException extends TaskRejectedException {

    private final Duration retryAfter;

    public RetryLaterException(ErrorCode code, String detail, Duration retryAfter) {
        super(code, detail);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
