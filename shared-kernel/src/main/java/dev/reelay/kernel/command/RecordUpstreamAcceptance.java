package dev.reelay.kernel.command;

import dev.reelay.kernel.task.*;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** The provider accepted the job under its own id. */
public record RecordUpstreamAcceptance(@TargetAggregateIdentifier VideoId videoId, String providerId, String externalTaskId, Instant acceptedAt) {
}
