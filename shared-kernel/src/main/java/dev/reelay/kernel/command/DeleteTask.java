package dev.reelay.kernel.command;

import dev.reelay.kernel.task.VideoId;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** The owner (or an admin) deletes a task: a running one is cancelled first; its history stays as the audit tombstone. */
public record DeleteTask(@TargetAggregateIdentifier VideoId videoId, String requestedBy, boolean admin, Instant requestedAt) {
}
