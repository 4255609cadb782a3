package dev.reelay.query.tasks;

import dev.reelay.kernel.event.ProgressUpdated;
import dev.reelay.kernel.event.TaskAdmitted;
import dev.reelay.kernel.event.TaskCancelled;
import dev.reelay.kernel.event.TaskCompleted;
import dev.reelay.kernel.event.TaskExpired;
import dev.reelay.kernel.event.TaskFailed;
import dev.reelay.kernel.event.TaskQueuedForSlot;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.event.UpstreamTaskAccepted;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskStatus;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.TrackingToken;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.function.Consumer;

/**
 * Keeps {@code task_view} in step with the events. Every handler is an upsert that only assigns, so replaying the
 * stream from the start reproduces the same rows; the processor's token commits in the same transaction. The
 * statistics rollup ({@link TaskStatsRollup}) moves with each row, from the slot read off the row before the change.
 */
@Component
@ProcessingGroup(TaskViewProjector.GROUP)
class TaskViewProjector {

    static final String GROUP = "task-views";

    private final TaskViewRepository views;
    private final TaskStatsRollup rollup;

    TaskViewProjector(TaskViewRepository views, TaskStatsRollup rollup) {
        this.views = views;
        this.rollup = rollup;
    }

    @EventHandler
    void on(TaskSubmitted event) {
        TaskView view = views.findById(event.videoId().value()).orElseGet(() -> new TaskView(event.videoId().value()));
        TaskStatsRollup.Slot before = TaskStatsRollup.Slot.of(view);
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
        views.save(view);
        rollup.moved(before, TaskStatsRollup.Slot.of(view));
    }

    @EventHandler
    void on(UpstreamTaskAccepted event) {
        update(event.videoId().value(), event.acceptedAt(), v -> {
            v.providerId = event.providerId();
            v.externalTaskId = event.externalTaskId();
            v.status = TaskStatus.PROCESSING;
            v.queuedSeq = null;
        });
    }

    @EventHandler
    void on(ProgressUpdated event) {
        update(event.videoId().value(), event.observedAt(), v -> {
            v.progress = event.percent();
            v.upstreamStatus = event.upstreamStatus();
            v.status = TaskStatus.PROCESSING;
        });
    }

    @EventHandler
    void on(TaskCompleted event) {
        update(event.videoId().value(), event.completedAt(), v -> {
            v.status = TaskStatus.COMPLETED;
            v.progress = 100;
            v.contentLocation = event.contentLocation();
            v.contentExpiresAt = event.contentExpiresAt();
            v.completedAt = event.completedAt();
            v.upstreamStatus = "completed";
        });
    }

    @EventHandler
    void on(TaskFailed event) {
        update(event.videoId().value(), event.failedAt(), v -> {
            v.status = TaskStatus.FAILED;
            v.errorCode = event.errorCode().name();
            v.errorMessage = event.message();
        });
    }

    @EventHandler
    void on(TaskCancelled event) {
        update(event.videoId().value(), event.cancelledAt(), v -> {
            v.status = TaskStatus.CANCELLED;
            v.errorCode = ErrorCode.CANCELLED.name();
            v.errorMessage = event.reason();
        });
    }

    @EventHandler
    void on(TaskExpired event) {
        update(event.videoId().value(), event.expiredAt(), v -> {
            v.status = TaskStatus.EXPIRED;
            v.expiredAt = event.expiredAt();
            v.contentLocation = null;
        });
    }

    @EventHandler
    void on(TaskQueuedForSlot event, TrackingToken token) {
        update(event.videoId().value(), event.queuedAt(), v -> v.queuedSeq = token.position().orElse(0L));
    }

    @EventHandler
    void on(TaskAdmitted event) {
        update(event.videoId().value(), event.admittedAt(), v -> v.queuedSeq = null);
    }

    @ResetHandler
    void reset() {
        views.deleteAllInBatch();
        rollup.clear();
    }

    /**
     * The row is managed in the batch's transaction (the processor runs every batch in one), so the change is flushed
     * at commit without a save: a task's events in one batch cost one SELECT and one UPDATE.
     */
    private void update(String videoId, Instant at, Consumer<TaskView> change) {
        views.findById(videoId).ifPresent(view -> {
            TaskStatsRollup.Slot before = TaskStatsRollup.Slot.of(view);
            change.accept(view);
            if (view.status != TaskStatus.QUEUED) {
                view.queuedSeq = null;
            }
            view.updatedAt = at;
            rollup.moved(before, TaskStatsRollup.Slot.of(view));
        });
    }

}
