package dev.reelay.infra.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.reelay.kernel.event.ProgressUpdated;
import dev.reelay.kernel.event.TaskCancelled;
import dev.reelay.kernel.event.TaskCompleted;
import dev.reelay.kernel.event.TaskExpired;
import dev.reelay.kernel.event.TaskFailed;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.event.UpstreamTaskAccepted;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.TaskStatus;

import java.time.Instant;

/**
 * A delivery's {@code data}: OpenAI's {@code {id, object: "video"}} and the seed API's task fields, as the task stood
 * after the event the delivery announces. Content links are left out: they are signed for a limited time, and a
 * delivery may arrive long after; a receiver reads the task for fresh ones.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
record TaskData(String id, String object, String videoId, String externalTaskId, TaskStatus status, int progress,
                String prompt, String model, String size, int seconds, MediaType mediaType, String provider,
                @JsonInclude(JsonInclude.Include.NON_NULL) Failure error, String remixOf,
                Instant createdAt, Instant updatedAt, Instant completedAt) {

    record Failure(String code, String message) {
    }

    static TaskData submitted(TaskSubmitted e) {
        String id = e.videoId().value();
        return new TaskData(id, "video", id, null, TaskStatus.QUEUED, 0, e.spec().prompt(), e.spec().model(),
                e.spec().size(), e.spec().seconds(), e.spec().mediaType(), null, null,
                e.lineage() == null ? null : e.lineage().source().value(), e.submittedAt(), e.submittedAt(), null);
    }

    /** The task after {@code event}, or null when the event is none a client hears about. */
    TaskData after(Object event) {
        if (event instanceof UpstreamTaskAccepted e) {
            return new TaskData(id, object, videoId, e.externalTaskId(), TaskStatus.PROCESSING, progress, prompt, model,
                    size, seconds, mediaType, e.providerId(), error, remixOf, createdAt, e.acceptedAt(), completedAt);
        }
        if (event instanceof ProgressUpdated e) {
            return moved(TaskStatus.PROCESSING, e.percent(), error, e.observedAt(), completedAt);
        }
        if (event instanceof TaskCompleted e) {
            return moved(TaskStatus.COMPLETED, 100, error, e.completedAt(), e.completedAt());
        }
        if (event instanceof TaskFailed e) {
            return moved(TaskStatus.FAILED, progress, new Failure(e.errorCode().name(), e.message()), e.failedAt(), completedAt);
        }
        if (event instanceof TaskCancelled e) {
            return moved(TaskStatus.CANCELLED, progress, new Failure(ErrorCode.CANCELLED.name(), e.reason()),
                    e.cancelledAt(), completedAt);
        }
        if (event instanceof TaskExpired e) {
            return moved(TaskStatus.EXPIRED, progress, error, e.expiredAt(), completedAt);
        }
        return null;
    }

    private TaskData moved(TaskStatus to, int percent, Failure failure, Instant at, Instant completed) {
        return new TaskData(id, object, videoId, externalTaskId, to, percent, prompt, model, size, seconds, mediaType,
                provider, failure, remixOf, createdAt, at, completed);
    }
}
