package dev.reelay.kernel.command;

import dev.reelay.kernel.task.*;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** The provider finished the job; the content is at the given location until it expires. */
public record CompleteTask(@TargetAggregateIdentifier VideoId videoId, String contentLocation, Instant contentExpiresAt, Integer actualSeconds, String actualSize, Instant completedAt) {
}
