package dev.reelay.kernel.event;

import dev.reelay.kernel.task.*;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/** The task passed its retention; its history remains as the audit tombstone. */
@Revision("1")
public record TaskExpired(VideoId videoId, TaskStatus previousStatus, String reason, Instant expiredAt) implements TaskEvent {
}
