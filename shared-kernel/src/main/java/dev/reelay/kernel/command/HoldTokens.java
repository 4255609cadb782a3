package dev.reelay.kernel.command;

import dev.reelay.kernel.account.AccountId;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** Hold {@code tokens} of the owner's token quota for one prompt-assistant call; refused beyond the quota. */
public record HoldTokens(@TargetAggregateIdentifier AccountId accountId, String owner, String callId, String model,
                         long tokens, Instant requestedAt) {
}
