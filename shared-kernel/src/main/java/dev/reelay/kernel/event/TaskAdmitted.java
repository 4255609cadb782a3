package dev.reelay.kernel.event;

import dev.reelay.kernel.task.VideoId;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/** The task got one of its owner's concurrency slots and may go upstream; {@code fromQueue} if it had to wait. */
@Revision("1")
public record TaskAdmitted(String owner, VideoId videoId, boolean fromQueue, Instant admittedAt)
        implements AccountEvent, TaskEvent {
}
