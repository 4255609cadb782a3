package dev.reelay.kernel.task;

import java.math.BigDecimal;
import java.time.Instant;

/** A submission would take its owner past the quota of the current period; it can be retried at {@code resetsAt}. */
public class QuotaExceededException extends TaskRejectedException {

    private final Instant resetsAt;
    private final BigDecimal limit;
    private final BigDecimal used;
    private final BigDecimal requested;

    public QuotaExceededException(Instant resetsAt, BigDecimal limit, BigDecimal used, BigDecimal requested) {
        this("this task", "video-seconds", resetsAt, limit, used, requested);
    }

    /** {@code what} needs {@code requested} {@code unit}s (video-seconds, tokens) of its owner's quota. */
    public QuotaExceededException(String what, String unit, Instant resetsAt, BigDecimal limit, BigDecimal used,
                                  BigDecimal requested) {
        super(ErrorCode.QUOTA_EXCEEDED, what + " needs " + requested.toPlainString() + " " + unit + " of quota; "
                + used.toPlainString() + " of " + limit.toPlainString() + " are used or held until " + resetsAt);
        this.resetsAt = resetsAt;
        this.limit = limit;
        this.used = used;
        this.requested = requested;
    }

    public Instant resetsAt() {
        return resetsAt;
    }

    public BigDecimal limit() {
        return limit;
    }

    public BigDecimal used() {
        return used;
    }

    public BigDecimal requested() {
        return requested;
    }
}
