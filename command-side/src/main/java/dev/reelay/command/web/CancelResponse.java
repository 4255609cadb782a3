package dev.reelay.command.web;

import dev.reelay.kernel.task.TaskStatus;

import java.time.Instant;

/** The seed backend's cancel answer (the {@code data} of its envelope). */
record CancelResponse(String videoId, TaskStatus status, Instant cancelledAt) {

    static CancelResponse of(String videoId, Instant cancelledAt) {
        return new CancelResponse(videoId, TaskStatus.CANCELLED, cancelledAt);
    }
}
