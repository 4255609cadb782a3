package dev.reelay.kernel.event;

import dev.reelay.kernel.account.Slot;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.serialization.Revision;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * The task completed: its hold of {@code held} became a charge of {@code captured} (the seconds actually delivered
 * × the price factor of the hold), booked to the hold's period. Frees the task's concurrency slot.
 */
@Revision("1")
public record QuotaCaptured(String owner, VideoId videoId, String model, BigDecimal held, BigDecimal captured,
                            int actualSeconds, Instant periodStart, Slot slot, Instant capturedAt)
        implements AccountEvent, TaskEvent {
}
