package dev.reelay.kernel.command;

import dev.reelay.kernel.task.*;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** Derive a new task from a completed one; sent to the source task. */
public record RemixTask(@TargetAggregateIdentifier VideoId sourceVideoId, VideoId remixVideoId, String requestedBy, boolean admin, String prompt, String model, Instant requestedAt) {

    /**
     * The handler's answer: the remix as it was submitted, and the provider's id of its source (null if the source
     * was never bound to a provider job), so the seed backend's remix response needs no read model.
     */
    public record Accepted(VideoId remixVideoId, TaskSpec spec, Lineage lineage, String sourceExternalTaskId) {
    }
}
