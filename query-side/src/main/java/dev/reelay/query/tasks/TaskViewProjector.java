package dev.reelay.query.tasks;

import dev.reelay.kernel.event.TaskAdmitted;
import dev.reelay.kernel.event.TaskEvent;
import dev.reelay.kernel.event.TaskQueuedForSlot;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.task.TaskStatus;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.TrackingToken;
import dev.reelay.query.BatchBuffers;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.function.Consumer;

/**
 * Keeps {@code task_view} in step with the events. Every handler is an upsert that only assigns, so replaying the
 * stream from the start reproduces the same rows; the processor's token commits in the same transaction. The
 * statistics rollup ({@link TaskStatsRollup}) moves with each row, from the slot read off the row before the change.
 * Each row also remembers the sequence number of the last event of its own task it has seen ({@code last_seq}), so
 * writes and reads can tell whether the row is current (ADR 0009). Rows are read and written in batches
 * ({@link TaskViewBatch}): once per processor batch each, not through the entity manager.
 */
@Component
@ProcessingGroup(TaskViewProjector.GROUP)
class TaskViewProjector {

    static final String GROUP = dev.reelay.query.ProjectionGroups.TASK_VIEWS;

    private static final String BATCH = TaskViewProjector.class.getName() + ".batch";

    private final TaskStatsRollup rollup;
    private final JdbcTemplate jdbc;

    TaskViewProjector(TaskStatsRollup rollup, JdbcTemplate jdbc) {
        this.rollup = rollup;
        this.jdbc = jdbc;
    }

    /** The rows of the processor batch this event belongs to, written when the batch commits. */
    private void inBatch(Consumer<TaskViewBatch> work) {
        work.accept(BatchBuffers.current(BATCH, () -> new TaskViewBatch(jdbc), TaskViewBatch::write));
    }

    @EventHandler
    void on(TaskSubmitted event, EventMessage<?> message) {
        String videoId = event.videoId().value();
        inBatch(batch -> {
            TaskView view = batch.find(videoId).orElseGet(() -> batch.create(videoId));
            TaskStatsRollup.Slot before = TaskStatsRollup.Slot.of(view);
            TaskViewChanges.apply(view, event);
            view.lastSeq = Math.max(view.lastSeq, ownSequence(message, view.videoId));
            rollup.moved(before, TaskStatsRollup.Slot.of(view));
        });
    }

    /**
     * Every other event of a task's own stream; those that change nothing visible still move {@code last_seq}. An
     * account's quota movement ({@link TaskViewInputs#NOT_SHOWN}) is dropped before its payload is read.
     */
    @EventHandler(payloadType = TaskEvent.class)
    void on(EventMessage<? extends TaskEvent> message) {
        if (TaskViewInputs.NOT_SHOWN.contains(message.getPayloadType())) {
            return;
        }
        TaskEvent event = message.getPayload();
        long sequence = ownSequence(message, event.videoId().value());
        if (sequence < 0) {
            return; // an account's event about the task: not part of the task's own stream
        }
        inBatch(batch -> batch.find(event.videoId().value()).ifPresent(view -> {
            TaskStatsRollup.Slot before = TaskStatsRollup.Slot.of(view);
            Instant at = TaskViewChanges.apply(view, event);
            view.lastSeq = Math.max(view.lastSeq, sequence);
            if (at != null) {
                touched(view, at);
                rollup.moved(before, TaskStatsRollup.Slot.of(view));
            }
        }));
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
        jdbc.update("delete from task_view");
        rollup.clear();
    }

    /** The event's sequence number in the task's own stream, or -1 when it was applied by another aggregate. */
    static long ownSequence(EventMessage<?> message, String videoId) {
        return message instanceof DomainEventMessage<?> domain && videoId.equals(domain.getAggregateIdentifier())
                ? domain.getSequenceNumber() : -1;
    }

    /** A task's events in one batch cost one SELECT and one UPDATE, however many there are. */
    private void update(String videoId, Instant at, Consumer<TaskView> change) {
        inBatch(batch -> batch.find(videoId).ifPresent(view -> {
            TaskStatsRollup.Slot before = TaskStatsRollup.Slot.of(view);
            change.accept(view);
            touched(view, at);
            rollup.moved(before, TaskStatsRollup.Slot.of(view));
        }));
    }

    private static void touched(TaskView view, Instant at) {
        if (view.status != TaskStatus.QUEUED) {
            view.queuedSeq = null;
        }
        view.updatedAt = at;
    }
}
