package dev.reelay.command.account;

import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;

import java.time.Instant;

/**
 * The per-user guardrails as the task and its saga see them. {@link #reserve} runs inside the creating command's unit
 * of work, so the task and its hold are committed together or not at all.
 */
public interface Admissions {

    /** Holds quota and takes a slot (or a queue place) for a new task; throws QuotaExceededException beyond the quota. */
    void reserve(String owner, VideoId videoId, TaskSpec spec, Instant at);

    /** The task ended: capture or release its hold and hand its slot to the next waiting task. */
    void settle(String owner, VideoId videoId, TaskStatus outcome, Integer actualSeconds, Instant at);
}
