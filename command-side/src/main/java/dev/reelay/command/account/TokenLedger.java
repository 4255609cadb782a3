package dev.reelay.command.account;

import java.time.Instant;
import java.util.Optional;

/**
 * The prompt assistant's side of the account's quota ledger: the same hold, capture and release as a task's
 * video-seconds, counted in tokens against {@code reelay.guardrails.quota.tokens}.
 */
public interface TokenLedger {

    /** Holds {@code tokens} of the owner's token quota for a call; throws QuotaExceededException beyond it. */
    void hold(String owner, String callId, String model, long tokens, Instant at);

    /** The call ended: capture what it used ({@code usage} present) or release the hold; {@code callDigest} names its log row. */
    void settle(String owner, String callId, Optional<TokenUsage> usage, String callDigest, Instant at);

    /** What a model reported for one call. */
    record TokenUsage(long promptTokens, long completionTokens) {
    }
}
