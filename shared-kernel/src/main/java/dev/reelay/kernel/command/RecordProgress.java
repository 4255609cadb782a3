package dev.reelay.kernel.command;

import dev.reelay.kernel.task.*;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** The provider reported progress; harmless to repeat. */
public record RecordProgress(@TargetAggregateIdentifier VideoId videoId, int percent, String upstreamStatus, Instant observedAt) {
}
