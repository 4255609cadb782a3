package dev.reelay.command.port;

import java.math.BigDecimal;
import java.time.Duration;

/** The configured defaults of the per-user guardrails; an admin's per-user limits (events) take precedence. */
public interface GuardrailPolicy {

    /** Tasks of one user running upstream at once; more wait in Reelay's queue. */
    int maxConcurrent();

    /** Video-seconds (× price factor) one user may use per period. */
    java.math.BigDecimal quotaVideoSeconds();

    /** Prompt-assistant tokens (prompt + completion) one user may use per period. */
    long quotaTokens();

    /** Length of a quota period; periods are aligned to the epoch (1d: each UTC day). */
    Duration quotaPeriod();

    /** What one second of this model at this size costs in quota (1 unless configured). */
    BigDecimal priceFactor(String model, String size);
}
