package dev.reelay.kernel.event;

import dev.reelay.kernel.task.VideoId;
import org.axonframework.serialization.Revision;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A submission reserved {@code amount} = {@code seconds} × {@code priceFactor} video-seconds of its owner's quota for
 * the period {@code [periodStart, periodEnd)}. Settled later by {@link QuotaCaptured} or {@link QuotaReleased}.
 */
@Revision("1")
public record QuotaHeld(String owner, VideoId videoId, String model, String size, int seconds, BigDecimal priceFactor,
                        BigDecimal amount, Instant periodStart, Instant periodEnd, Instant heldAt)
        implements AccountEvent, TaskEvent {
}
