package dev.reelay.kernel.event;

import dev.reelay.kernel.task.VideoId;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/** The archive copy gave up; content is served from the provider while its links last. The task stays completed. */
@Revision("1")
public record ContentArchiveFailed(VideoId videoId, String reason, int attempts, Instant failedAt) implements TaskEvent {
}
