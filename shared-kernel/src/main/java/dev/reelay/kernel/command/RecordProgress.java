package dev.reelay.kernel.command;

import dev.reelay.kernel.task.*;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** The provider reported progress, or a place in its own queue (null when it names none); harmless to repeat. */
public record RecordProgress(@TargetAggregateIdentifier VideoId videoId, int percent, String upstreamStatus, Instant observedAt,
                             Integer queuePosition) {
}
