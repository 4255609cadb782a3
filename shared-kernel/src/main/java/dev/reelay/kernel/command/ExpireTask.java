package dev.reelay.kernel.command;

import dev.reelay.kernel.task.*;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** The task passed its retention; its content goes, its history stays. */
public record ExpireTask(@TargetAggregateIdentifier VideoId videoId, String reason, Instant expiredAt) {
}
