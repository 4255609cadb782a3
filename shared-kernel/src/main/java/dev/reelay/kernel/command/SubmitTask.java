package dev.reelay.kernel.command;

import dev.reelay.kernel.task.*;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** Create a task; the id and the time are decided by the caller so that the event holds them. */
public record SubmitTask(@TargetAggregateIdentifier VideoId videoId, String owner, TaskSpec spec, Instant submittedAt) {
}
