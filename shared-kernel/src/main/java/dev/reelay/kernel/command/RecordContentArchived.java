package dev.reelay.kernel.command;

import dev.reelay.kernel.task.VideoId;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** A variant of a completed task's content was copied into Reelay's archive and verified. */
public record RecordContentArchived(@TargetAggregateIdentifier VideoId videoId, String variant, String location, long bytes,
                                    String sha256, Instant archivedAt) {
}
