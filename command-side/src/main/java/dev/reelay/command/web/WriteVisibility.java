package dev.reelay.command.web;

import dev.reelay.kernel.task.VideoId;

/**
 * Port: answers once the read models show everything the event store holds for a task, so the caller's next read, on
 * any node, sees its own write (ADR 0009). Bounded: past the bound it returns and the write answers anyway. A user's
 * account row (quota, slots, own limits) is not waited for by writes: its read waits for it (issue 16).
 */
public interface WriteVisibility {

    /** Waits, up to the configured bound, until the task's views have caught up with its last event. */
    void awaitVisible(VideoId videoId);
}
