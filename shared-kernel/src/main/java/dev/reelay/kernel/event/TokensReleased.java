package dev.reelay.kernel.event;

import org.axonframework.serialization.Revision;

import java.time.Instant;

/** The call failed: its hold of {@code held} tokens is given back. {@code callDigest} as in {@link TokensCaptured}. */
@Revision("1")
public record TokensReleased(String owner, String callId, String model, long held, String callDigest,
                             Instant periodStart, Instant releasedAt) implements AccountEvent {
}
