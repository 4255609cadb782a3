package dev.reelay.query.tasks;

import dev.reelay.kernel.event.ProgressUpdated;
import dev.reelay.kernel.event.TaskCancelled;
import dev.reelay.kernel.event.TaskCompleted;
import dev.reelay.kernel.event.TaskExpired;
import dev.reelay.kernel.event.TaskFailed;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.event.UpstreamTaskAccepted;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskStatus;

import java.time.Instant;

/**
 * What each event of a task's own stream does to its row, in one place: the projector applies it to the stored row and
 * {@link TaskViewFold} to a transient one when a read gets ahead of the projection. Assignments only.
 */
final class TaskViewChanges {

    private TaskViewChanges() {
    }

    /** Applies {@code event} to {@code view}; the time it happened, or null when the event does not change the row. */
    static Instant apply(TaskView view, Object event) {
        if (event instanceof TaskSubmitted e) {
            submitted(view, e);
            return e.submittedAt();
        }
        if (event instanceof UpstreamTaskAccepted e) {
            view.providerId = e.providerId();
            view.externalTaskId = e.externalTaskId();
            view.status = TaskStatus.PROCESSING;
            view.queuedSeq = null;
            return e.acceptedAt();
        }
        if (event instanceof ProgressUpdated e) {
            view.progress = e.percent();
            view.upstreamStatus = e.upstreamStatus();
            view.providerQueuePosition = e.queuePosition();
            view.status = TaskStatus.PROCESSING;
            return e.observedAt();
        }
        if (event instanceof TaskCompleted e) {
            view.status = TaskStatus.COMPLETED;
            view.progress = 100;
            view.contentLocation = e.contentLocation();
            view.contentExpiresAt = e.contentExpiresAt();
            view.completedAt = e.completedAt();
            view.upstreamStatus = "completed";
            return e.completedAt();
        }
        if (event instanceof TaskFailed e) {
            view.status = TaskStatus.FAILED;
            view.errorCode = e.errorCode().name();
            view.errorMessage = e.message();
            return e.failedAt();
        }
        if (event instanceof TaskCancelled e) {
            view.status = TaskStatus.CANCELLED;
            view.errorCode = ErrorCode.CANCELLED.name();
            view.errorMessage = e.reason();
            return e.cancelledAt();
        }
        if (event instanceof TaskExpired e) {
            view.status = TaskStatus.EXPIRED;
            view.expiredAt = e.expiredAt();
            view.contentLocation = null;
            return e.expiredAt();
        }
        return null;
    }

    private static void submitted(TaskView view, TaskSubmitted event) {
        view.owner = event.owner();
        view.status = TaskStatus.QUEUED;
        view.progress = 0;
        view.prompt = event.spec().prompt();
        view.model = event.spec().model();
        view.size = event.spec().size();
        view.seconds = event.spec().seconds();
        view.mediaType = event.spec().mediaType();
        view.referenceImageSha256 = event.spec().referenceImage() == null ? null : event.spec().referenceImage().sha256();
        if (event.lineage() != null) {
            view.lineageKind = event.lineage().kind().name();
            view.remixFrom = event.lineage().source().value();
            view.rootId = event.lineage().root().value();
            view.depth = event.lineage().depth();
        } else {
            view.rootId = view.videoId;
            view.depth = 0;
        }
        view.createdAt = event.submittedAt();
        view.updatedAt = event.submittedAt();
    }
}
