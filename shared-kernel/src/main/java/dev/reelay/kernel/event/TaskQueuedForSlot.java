package dev.reelay.kernel.event;

import dev.reelay.kernel.task.VideoId;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/**
 * Its owner already had {@code maxConcurrent} tasks running: the task waits in Reelay (not at a provider), at
 * {@code position} in the owner's first-in-first-out queue, until a {@link TaskAdmitted}.
 */
@Revision("1")
public record TaskQueuedForSlot(String owner, VideoId videoId, int position, int maxConcurrent, Instant queuedAt)
        implements AccountEvent, TaskEvent {
}
