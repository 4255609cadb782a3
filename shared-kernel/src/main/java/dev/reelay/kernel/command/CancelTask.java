package dev.reelay.kernel.command;

import dev.reelay.kernel.task.*;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** Stop a task on behalf of its owner (or an admin). */
public record CancelTask(@TargetAggregateIdentifier VideoId videoId, String requestedBy, boolean admin, String reason, Instant requestedAt) {
}
