package dev.reelay.query.tasks;

import dev.reelay.kernel.event.TaskSubmitted;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.Optional;

/**
 * The event store's word on one task, for reads that must not trail the caller's own writes (ADR 0009): when the row
 * is missing or behind the task's stream, the row as the projection will write it, folded from the task's own events.
 */
@Component
class TaskViewFold {

    private final EventStore eventStore;

    TaskViewFold(EventStore eventStore) {
        this.eventStore = eventStore;
    }

    /**
     * The task's row folded from its events, starting from {@code stored} when there is one (its queue position comes
     * from another stream and is kept). Empty when the stream is not a task's.
     */
    Optional<TaskView> fold(String videoId, TaskView stored) {
        return fold(videoId, stored, null);
    }

    /**
     * The task's row as it stood at {@code asOf}: the same fold over the events stored until then (by the time the
     * event store recorded each). Empty when the task did not exist yet. Its queue position is not kept in the past.
     */
    Optional<TaskView> asOf(String videoId, Instant asOf) {
        return fold(videoId, null, asOf);
    }

    private Optional<TaskView> fold(String videoId, TaskView stored, Instant until) {
        TaskView view = new TaskView(videoId);
        if (stored != null) {
            view.queuedSeq = stored.queuedSeq;
        }
        boolean submitted = false;
        DomainEventStream stream = eventStore.readEvents(videoId);
        while (stream.hasNext()) {
            DomainEventMessage<?> event = stream.next();
            if (until != null && event.getTimestamp().isAfter(until)) {
                break;
            }
            Object payload = event.getPayload();
            if (!submitted && !(payload instanceof TaskSubmitted)) {
                return Optional.empty();
            }
            submitted = true;
            Instant at = TaskViewChanges.apply(view, payload);
            if (at != null) {
                view.updatedAt = at;
            }
            view.lastSeq = event.getSequenceNumber();
        }
        if (!submitted) {
            return Optional.empty();
        }
        if (view.status != dev.reelay.kernel.task.TaskStatus.QUEUED) {
            view.queuedSeq = null;
        }
        return Optional.of(view);
    }
}
