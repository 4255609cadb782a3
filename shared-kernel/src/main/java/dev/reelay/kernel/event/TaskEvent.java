package dev.reelay.kernel.event;

import dev.reelay.kernel.task.VideoId;

/** Every task event names the task it belongs to. */
public interface TaskEvent {

    VideoId videoId();
}
