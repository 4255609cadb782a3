package dev.reelay.kernel.event;

import dev.reelay.kernel.task.*;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/** The task was cancelled by {@code cancelledBy}; it stays cancelled whatever the provider reports later. */
@Revision("1")
public record TaskCancelled(VideoId videoId, String cancelledBy, String reason, Instant cancelledAt) implements TaskEvent {
}
