package dev.reelay.kernel.event;

import dev.reelay.kernel.task.VideoId;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/** A variant (video, thumbnail, spritesheet) is in Reelay's archive: where, how many bytes, and their sha256. */
@Revision("1")
public record ContentArchived(VideoId videoId, String variant, String location, long bytes, String sha256,
                              Instant archivedAt) implements TaskEvent {
}
