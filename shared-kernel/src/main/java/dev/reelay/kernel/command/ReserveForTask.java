package dev.reelay.kernel.command;

import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/** Hold quota for a new task and give it a concurrency slot or a place in its owner's queue; refused beyond the quota. */
public record ReserveForTask(@TargetAggregateIdentifier AccountId accountId, String owner, VideoId videoId,
                             String model, String size, int seconds, Instant requestedAt) {
}
