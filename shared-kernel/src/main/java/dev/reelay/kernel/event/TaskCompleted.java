package dev.reelay.kernel.event;

import dev.reelay.kernel.task.*;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/** The job finished; content is at {@code contentLocation} until {@code contentExpiresAt}. */
@Revision("1")
public record TaskCompleted(VideoId videoId, String contentLocation, Instant contentExpiresAt, Integer actualSeconds, String actualSize, Instant completedAt) implements TaskEvent {
}
