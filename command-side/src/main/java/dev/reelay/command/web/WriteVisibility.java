package dev.reelay.command.web;

import dev.reelay.kernel.task.VideoId;

/**
 * Port: answers once the read models show everything the event store holds for a task (or a user's account), so the
 * caller's next read, on any node, sees its own write (ADR 0009). Bounded: past the bound it returns and the write
 * answers anyway.
 */
public interface WriteVisibility {

    /** Waits, up to the configured bound, until the task's views have caught up with its last event. */
    void awaitVisible(VideoId videoId);

    /**
     * Waits, up to the configured bound, until the owner's account views (quota, slots, own limits) have caught up with
     * the account's last event.
     */
    void awaitAccountVisible(String owner);
}
