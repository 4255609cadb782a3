package dev.reelay.kernel.event;

import org.axonframework.serialization.Revision;

import java.time.Instant;

/**
 * The call answered: its hold of {@code held} became a charge of {@code promptTokens + completionTokens}, booked to
 * the hold's period. {@code callDigest} is the SHA-256 of the call-log row (ADR 0013).
 */
@Revision("1")
public record TokensCaptured(String owner, String callId, String model, long held, long promptTokens,
                             long completionTokens, String callDigest, Instant periodStart, Instant capturedAt)
        implements AccountEvent {

    public long captured() {
        return promptTokens + completionTokens;
    }
}
