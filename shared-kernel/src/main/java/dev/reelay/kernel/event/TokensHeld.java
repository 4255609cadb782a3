package dev.reelay.kernel.event;

import org.axonframework.serialization.Revision;

import java.time.Instant;

/**
 * A prompt-assistant call reserved {@code tokens} of its owner's token quota for the period
 * {@code [periodStart, periodEnd)}. Settled later by {@link TokensCaptured} or {@link TokensReleased}.
 */
@Revision("1")
public record TokensHeld(String owner, String callId, String model, long tokens, Instant periodStart,
                         Instant periodEnd, Instant heldAt) implements AccountEvent {
}
