package dev.reelay.kernel.event;

import org.axonframework.serialization.Revision;

import java.math.BigDecimal;
import java.time.Instant;

/** An admin set a user's own limits; a null limit means the configured default applies. */
@Revision("1")
public record UserLimitsChanged(String owner, Integer maxConcurrent, BigDecimal quotaVideoSeconds, String changedBy,
                                Instant changedAt) implements AccountEvent {
}
