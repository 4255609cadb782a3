package dev.reelay.command.upstream;

import dev.reelay.kernel.task.Lineage;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;

/**
 * What the upstream saga asks to happen. Each call returns at once: the HTTP work runs outside any transaction and
 * its observations come back to the aggregate as commands.
 */
public interface UpstreamEffects {

    /** Submits the task to the best provider for its model (or its remix source's provider), failing over. */
    void submit(VideoId videoId, TaskSpec spec, Lineage lineage, int round);

    /** Asks the provider for the job's status; returns false if skipped (provider's poll-after not reached, or too many in flight). */
    boolean poll(VideoId videoId, String providerId, String externalTaskId);

    /** A signal (webhook) says the job changed: fetch its status now, ignoring poll hints. */
    void refresh(VideoId videoId, String providerId, String externalTaskId);

    /** The give-up check: one last status; anything but an outcome fails the task with TIMEOUT. */
    void finalCheck(VideoId videoId, String providerId, String externalTaskId);

    /** Best-effort DELETE upstream after a cancel. */
    void cancelUpstream(VideoId videoId, String providerId, String externalTaskId);

    /** Ends the task as failed because no provider took it. */
    void giveUpSubmission(VideoId videoId, String reason);

    /** Drops any per-task memory (poll hints). */
    void forget(VideoId videoId);
}
