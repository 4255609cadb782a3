package dev.reelay.kernel.event;

import dev.reelay.kernel.account.Slot;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.serialization.Revision;

import java.math.BigDecimal;
import java.time.Instant;

/** The task failed, was cancelled or deleted: its hold goes back to the quota, and its slot (or queue place) is freed. */
@Revision("1")
public record QuotaReleased(String owner, VideoId videoId, String model, BigDecimal amount, TaskStatus outcome,
                            Instant periodStart, Slot slot, Instant releasedAt)
        implements AccountEvent, TaskEvent {
}
