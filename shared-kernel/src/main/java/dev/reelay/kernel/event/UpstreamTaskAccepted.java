package dev.reelay.kernel.event;

import dev.reelay.kernel.task.*;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/** The provider accepted the job and gave it its own id. */
@Revision("1")
public record UpstreamTaskAccepted(VideoId videoId, String providerId, String externalTaskId, Instant acceptedAt) implements TaskEvent {
}
