package dev.reelay.kernel.command;

import dev.reelay.kernel.task.*;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** The job failed, upstream or in Reelay. */
public record FailTask(@TargetAggregateIdentifier VideoId videoId, ErrorCode errorCode, String message, boolean retryable, String providerCode, Instant failedAt) {
}
