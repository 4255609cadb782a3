package dev.reelay.kernel.event;

import dev.reelay.kernel.task.*;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/** A remix of this (completed) task was requested; the remix is task {@code remixVideoId}. */
@Revision("1")
public record RemixRequested(VideoId videoId, VideoId remixVideoId, String requestedBy, String prompt, String model, Instant requestedAt) implements TaskEvent {
}
