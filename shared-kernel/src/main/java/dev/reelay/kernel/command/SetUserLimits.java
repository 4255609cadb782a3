package dev.reelay.kernel.command;

import dev.reelay.kernel.account.AccountId;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.math.BigDecimal;
import java.time.Instant;

/** An admin's per-user limits; null means "the configured default". */
public record SetUserLimits(@TargetAggregateIdentifier AccountId accountId, String owner, Integer maxConcurrent,
                            BigDecimal quotaVideoSeconds, String changedBy, Instant changedAt) {
}
