package dev.reelay.kernel.command;

import dev.reelay.kernel.task.*;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** Derive a new task from a completed one; sent to the source task. */
public record RemixTask(@TargetAggregateIdentifier VideoId sourceVideoId, VideoId remixVideoId, String requestedBy, boolean admin, String prompt, String model, Instant requestedAt) {
}
