package dev.reelay.kernel.command;

import dev.reelay.kernel.account.AccountId;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/**
 * The prompt-assistant call ended: capture what the model reported ({@code promptTokens} + {@code completionTokens})
 * or, when {@code used} is false, release the hold. {@code callDigest} is the SHA-256 of the call-log row, so the
 * event (and the audit chain over events) vouches for that row.
 */
public record SettleTokens(@TargetAggregateIdentifier AccountId accountId, String callId, boolean used,
                           long promptTokens, long completionTokens, String callDigest, Instant settledAt) {
}
