package dev.reelay.kernel.event;

import dev.reelay.kernel.task.*;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/** The provider reported new progress (only ever forward). */
@Revision("1")
public record ProgressUpdated(VideoId videoId, int percent, String upstreamStatus, Instant observedAt) implements TaskEvent {
}
