package dev.reelay.kernel.command;

import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/**
 * The task ended with {@code outcome}: capture its hold (COMPLETED, by {@code actualSeconds} when the provider said)
 * or release it (anything else), free its slot and admit the next waiting task.
 */
public record SettleTask(@TargetAggregateIdentifier AccountId accountId, VideoId videoId, TaskStatus outcome,
                         Integer actualSeconds, Instant settledAt) {
}
