package dev.reelay.infra.axon;

import dev.reelay.kernel.event.ProgressUpdated;
import dev.reelay.kernel.event.QuotaHeld;
import dev.reelay.kernel.event.TaskAdmitted;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.async.SequencingPolicy;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** task-views' sequencing policy: every event about a task lands in the task's sequence, whichever aggregate wrote it. */
class TaskSequencingTest {

    static final VideoId TASK = new VideoId("video_00000000-0000-0000-0000-000000000001");
    final SequencingPolicy<EventMessage<?>> byTask = ProcessorConfiguration.byTask();

    @Test
    void aTasksOwnEventIsPlacedByItsAggregateWithoutReadingThePayload() {
        EventMessage<?> own = new GenericDomainEventMessage<>(ProcessorConfiguration.TASK_AGGREGATE, TASK.value(), 3,
                new ProgressUpdated(TASK, 40, "in_progress", Instant.EPOCH, null)) {
            @Override
            public ProgressUpdated getPayload() {
                throw new AssertionError("the payload was read");
            }
        };
        assertThat(byTask.getSequenceIdentifierFor(own)).isEqualTo(TASK.value());
    }

    @Test
    void anAccountsEventAboutATaskJoinsThatTasksSequence() {
        EventMessage<?> admitted = new GenericDomainEventMessage<>("UserAccount", "alice", 17,
                new TaskAdmitted("alice", TASK, false, Instant.EPOCH));
        assertThat(byTask.getSequenceIdentifierFor(admitted)).isEqualTo(TASK.value());
    }

    @Test
    void anAccountsQuotaMovementKeepsItsAccountsSequenceUnread() {
        QuotaHeld held = new QuotaHeld("alice", TASK, "sora-2", "1280x720", 8, BigDecimal.ONE, BigDecimal.valueOf(8),
                Instant.EPOCH, Instant.EPOCH.plusSeconds(86_400), Instant.EPOCH);
        EventMessage<?> movement = new GenericDomainEventMessage<>("UserAccount", "alice", 16, held) {
            @Override
            public QuotaHeld getPayload() {
                throw new AssertionError("the payload was read");
            }
        };
        assertThat(byTask.getSequenceIdentifierFor(movement)).isEqualTo("alice");
    }

    @Test
    void anotherAggregatesEventKeepsItsAggregatesSequence() {
        EventMessage<?> other = new GenericDomainEventMessage<>("UserAccount", "alice", 18, "not about a task");
        assertThat(byTask.getSequenceIdentifierFor(other)).isEqualTo("alice");
    }
}
