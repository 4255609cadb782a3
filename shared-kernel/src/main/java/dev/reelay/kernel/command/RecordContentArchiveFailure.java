package dev.reelay.kernel.command;

import dev.reelay.kernel.task.VideoId;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** Copying a completed task's content gave up after its retries; the task itself stays completed. */
public record RecordContentArchiveFailure(@TargetAggregateIdentifier VideoId videoId, String reason, int attempts,
                                          Instant failedAt) {
}
