package dev.reelay.kernel.event;

import dev.reelay.kernel.task.*;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/**
 * The provider reported new progress (only ever forward), or a new place in its own queue ({@code queuePosition},
 * null when the provider names none; events stored before it existed read as null).
 */
@Revision("1")
public record ProgressUpdated(VideoId videoId, int percent, String upstreamStatus, Instant observedAt,
                              Integer queuePosition) implements TaskEvent {
}
