package dev.reelay.command.task;

import dev.reelay.command.account.Admissions;
import dev.reelay.kernel.command.*;
import dev.reelay.kernel.event.*;
import dev.reelay.kernel.task.*;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.AggregateLifecycle;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.spring.stereotype.Aggregate;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/**
 * One video-generation task. Command handlers decide; event-sourcing handlers only assign. A new task (fresh or
 * remix) reserves its owner's quota and a concurrency slot in the same unit of work: refused there, nothing is stored.
 * <p>
 * QUEUED → PROCESSING → COMPLETED | FAILED | CANCELLED, and any of those → EXPIRED after retention.
 */
@Aggregate(cache = "taskCache")
class VideoTask {

    @AggregateIdentifier
    private VideoId videoId;
    private String owner;
    private TaskSpec spec;
    private Lineage lineage;
    private TaskStatus status;
    private int progress;
    /** The provider's last reported queue place, if it reports one. */
    private Integer queuePosition;
    private String providerId;
    private String externalTaskId;
    /** The upstream job that was accepted after the task had ended, if one was. */
    private String lateProviderId;
    private String lateExternalTaskId;
    private final java.util.Set<String> archivedVariants = new java.util.HashSet<>();

    protected VideoTask() {
        // for Axon
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.ALWAYS)
    void handle(SubmitTask command, Admissions admissions) {
        apply(new TaskSubmitted(command.videoId(), command.owner(), command.spec(), null, command.submittedAt()));
        admissions.reserve(command.owner(), command.videoId(), command.spec(), command.submittedAt());
    }

    /** Creates the remix child in the same unit of work as the source's {@link RemixRequested}: both or neither. */
    private VideoTask(TaskSubmitted remixSubmitted) {
        apply(remixSubmitted);
    }

    @CommandHandler
    void handle(CancelTask command) {
        ensureVisibleTo(command.requestedBy(), command.admin());
        if (status.isTerminal()) {
            throw new TaskRejectedException(ErrorCode.TASK_ALREADY_TERMINAL, "task " + videoId + " is already " + status);
        }
        apply(new TaskCancelled(videoId, command.requestedBy(), command.reason(), command.requestedAt()));
    }

    @CommandHandler
    RemixTask.Accepted handle(RemixTask command, Admissions admissions) throws Exception {
        ensureVisibleTo(command.requestedBy(), command.admin());
        if (status != TaskStatus.COMPLETED) {
            throw new TaskRejectedException(ErrorCode.REMIX_SOURCE_NOT_COMPLETED,
                    "only a COMPLETED task can be remixed; " + videoId + " is " + status);
        }
        String model = command.model() == null ? spec.model() : command.model();
        apply(new RemixRequested(videoId, command.remixVideoId(), command.requestedBy(), command.prompt(), model,
                command.requestedAt()));
        VideoId root = lineage == null ? videoId : lineage.root();
        int depth = lineage == null ? 1 : lineage.depth() + 1;
        // The remix keeps the source's size, seconds and media type; it starts from the source's output, not its reference image.
        TaskSpec remixSpec = new TaskSpec(command.prompt(), model, spec.size(), spec.seconds(), spec.mediaType(), null);
        Lineage childLineage = new Lineage(LineageKind.REMIX, videoId, root, depth);
        TaskSubmitted child = new TaskSubmitted(command.remixVideoId(), command.requestedBy(), remixSpec,
                childLineage, command.requestedAt());
        AggregateLifecycle.createNew(VideoTask.class, () -> new VideoTask(child));
        admissions.reserve(command.requestedBy(), command.remixVideoId(), remixSpec, command.requestedAt());
        return new RemixTask.Accepted(command.remixVideoId(), remixSpec, childLineage, externalTaskId);
    }

    @CommandHandler
    void handle(RecordUpstreamAcceptance command) {
        if (externalTaskId != null) {
            if (!externalTaskId.equals(command.externalTaskId()) || !providerId.equals(command.providerId())) {
                throw new TaskRejectedException(ErrorCode.INVALID_TRANSITION,
                        "task " + videoId + " is already bound to another upstream job");
            }
            return; // re-delivered: nothing new
        }
        if (status.isTerminal()) {
            // e.g. cancelled while the submission was in flight: keep the binding for the audit and for the DELETE upstream
            if (lateExternalTaskId != null) {
                if (!lateExternalTaskId.equals(command.externalTaskId()) || !lateProviderId.equals(command.providerId())) {
                    throw new TaskRejectedException(ErrorCode.INVALID_TRANSITION,
                            "task " + videoId + " is already bound to another upstream job");
                }
                return; // re-delivered: nothing new
            }
            apply(LateOutcomeRecorded.upstreamAccepted(videoId, status, command.providerId(), command.externalTaskId(),
                    command.acceptedAt()));
            return;
        }
        apply(new UpstreamTaskAccepted(videoId, command.providerId(), command.externalTaskId(), command.acceptedAt()));
    }

    @CommandHandler
    void handle(RecordProgress command) {
        int percent = Math.min(100, command.percent());
        boolean newPlace = command.queuePosition() != null && percent >= progress
                && !command.queuePosition().equals(queuePosition);
        if (status.isTerminal() || percent <= progress && !newPlace) {
            return; // not new (or backwards, as out-of-order polls and webhooks can be): no event
        }
        apply(new ProgressUpdated(videoId, percent, command.upstreamStatus(), command.observedAt(),
                command.queuePosition()));
    }

    @CommandHandler
    void handle(CompleteTask command) {
        if (status == TaskStatus.COMPLETED) {
            return; // duplicate signal (webhook and poll)
        }
        if (status.isTerminal()) {
            apply(LateOutcomeRecorded.completed(videoId, status, command.contentLocation(), command.completedAt()));
            return;
        }
        apply(new TaskCompleted(videoId, command.contentLocation(), command.contentExpiresAt(), command.actualSeconds(),
                command.actualSize(), command.completedAt()));
    }

    @CommandHandler
    void handle(FailTask command) {
        if (status == TaskStatus.FAILED) {
            return;
        }
        if (status.isTerminal()) {
            apply(LateOutcomeRecorded.failed(videoId, status, command.errorCode(), command.message(), command.failedAt()));
            return;
        }
        apply(new TaskFailed(videoId, command.errorCode(), command.message(), command.retryable(),
                command.providerCode(), command.failedAt()));
    }

    @CommandHandler
    void handle(ExpireTask command) {
        if (status == TaskStatus.EXPIRED) {
            return;
        }
        if (!status.isTerminal()) {
            throw new TaskRejectedException(ErrorCode.INVALID_TRANSITION,
                    "task " + videoId + " is " + status + "; only an ended task can expire");
        }
        apply(new TaskExpired(videoId, status, command.reason(), command.expiredAt()));
    }

    @CommandHandler
    void handle(DeleteTask command) {
        ensureVisibleTo(command.requestedBy(), command.admin());
        if (status == TaskStatus.EXPIRED) {
            throw TaskRejectedException.taskNotFound(videoId.value());
        }
        TaskStatus previous = status;
        if (!status.isTerminal()) {
            apply(new TaskCancelled(videoId, command.requestedBy(), "deleted", command.requestedAt()));
            previous = TaskStatus.CANCELLED;
        }
        apply(new TaskExpired(videoId, previous, "deleted by " + command.requestedBy(), command.requestedAt()));
    }

    @CommandHandler
    void handle(RecordContentArchived command) {
        if (status != TaskStatus.COMPLETED) {
            return; // expired meanwhile: nothing to record
        }
        for (RecordContentArchived.Copy copy : command.copies()) {
            if (!archivedVariants.contains(copy.variant())) { // a repeated copy is nothing new
                apply(new ContentArchived(videoId, copy.variant(), copy.location(), copy.bytes(), copy.sha256(),
                        command.archivedAt()));
            }
        }
    }

    @CommandHandler
    void handle(RecordContentArchiveFailure command) {
        if (status != TaskStatus.COMPLETED) {
            return;
        }
        apply(new ContentArchiveFailed(videoId, command.reason(), command.attempts(), command.failedAt()));
    }

    /** Someone else's task does not exist for the caller: no existence leak. */
    private void ensureVisibleTo(String principal, boolean admin) {
        if (!admin && !owner.equals(principal)) {
            throw TaskRejectedException.taskNotFound(videoId.value());
        }
    }

    @EventSourcingHandler
    void on(TaskSubmitted event) {
        videoId = event.videoId();
        owner = event.owner();
        spec = event.spec();
        lineage = event.lineage();
        status = TaskStatus.QUEUED;
        progress = 0;
    }

    @EventSourcingHandler
    void on(UpstreamTaskAccepted event) {
        providerId = event.providerId();
        externalTaskId = event.externalTaskId();
        status = TaskStatus.PROCESSING;
    }

    @EventSourcingHandler
    void on(ProgressUpdated event) {
        progress = event.percent();
        queuePosition = event.queuePosition();
        status = TaskStatus.PROCESSING;
    }

    @EventSourcingHandler
    void on(TaskCompleted event) {
        progress = 100;
        status = TaskStatus.COMPLETED;
    }

    @EventSourcingHandler
    void on(TaskFailed event) {
        status = TaskStatus.FAILED;
    }

    @EventSourcingHandler
    void on(TaskCancelled event) {
        status = TaskStatus.CANCELLED;
    }

    @EventSourcingHandler
    void on(ContentArchived event) {
        archivedVariants.add(event.variant());
    }

    @EventSourcingHandler
    void on(LateOutcomeRecorded event) {
        if (event.outcome() == LateOutcomeRecorded.Outcome.UPSTREAM_ACCEPTED) {
            lateProviderId = event.providerId();
            lateExternalTaskId = event.externalTaskId();
        }
    }

    @EventSourcingHandler
    void on(TaskExpired event) {
        status = TaskStatus.EXPIRED;
    }
}
