package dev.reelay.kernel.event;

import dev.reelay.kernel.task.*;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/** A task was accepted by Reelay; {@code lineage} is null for a fresh generation. */
@Revision("1")
public record TaskSubmitted(VideoId videoId, String owner, TaskSpec spec, Lineage lineage, Instant submittedAt) implements TaskEvent {
}
