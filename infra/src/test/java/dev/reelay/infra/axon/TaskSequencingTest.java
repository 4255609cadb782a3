package dev.reelay.infra.axon;

import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.account.Slot;
import dev.reelay.kernel.event.QuotaCaptured;
import dev.reelay.kernel.event.RemixRequested;
import dev.reelay.kernel.event.TaskCompleted;
import dev.reelay.kernel.event.UserLimitsChanged;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.async.SequencingPolicy;
import org.axonframework.messaging.GenericMessage;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The task-views processor's sequencing: per task, whichever aggregate an event comes from. */
class TaskSequencingTest {

    private final SequencingPolicy<EventMessage<?>> byTask = ProcessorConfiguration.byTask();
    private final VideoId task = VideoId.random();
    private final Instant now = Instant.now();

    @Test
    void aTasksOwnEventIsSequencedByItsAggregateWithoutReadingThePayload() {
        TaskCompleted completed = new TaskCompleted(task, "https://provider.example/v", now.plusSeconds(3600), 4,
                "720x1280", now);
        assertThat(byTask.getSequenceIdentifierFor(undeserialised("VideoTask", task.value(), completed)))
                .isEqualTo(task.value());
        // a remix request is its source's event, and names the source as its task
        RemixRequested remix = new RemixRequested(task, VideoId.random(), "ann", "again", "sora-2", now);
        assertThat(byTask.getSequenceIdentifierFor(undeserialised("VideoTask", task.value(), remix)))
                .isEqualTo(task.value()).isEqualTo(remix.videoId().value());
    }

    @Test
    void anAccountsEventAboutATaskIsSequencedByTheTaskItNames() {
        QuotaCaptured captured = new QuotaCaptured("ann", task, "sora-2", BigDecimal.ONE, BigDecimal.ONE, 4, now,
                Slot.ACTIVE, now);
        assertThat(byTask.getSequenceIdentifierFor(new GenericDomainEventMessage<>("UserAccount",
                AccountId.of("ann").value(), 7, captured))).isEqualTo(task.value());
    }

    @Test
    void anyOtherEventIsSequencedByItsAggregate() {
        UserLimitsChanged limits = new UserLimitsChanged("ann", 3, null, "admin", now);
        String account = AccountId.of("ann").value();
        assertThat(byTask.getSequenceIdentifierFor(new GenericDomainEventMessage<>("UserAccount", account, 8, limits)))
                .isEqualTo(account);
    }

    /** A stored event as a processor's worker meets it: reading its payload would fail the test. */
    private static <T> DomainEventMessage<T> undeserialised(String type, String aggregateId, T payload) {
        GenericMessage<T> stored = new GenericMessage<>(payload) {
            @Override
            public T getPayload() {
                throw new AssertionError("the payload was deserialised");
            }
        };
        return new GenericDomainEventMessage<>(type, aggregateId, 3, stored, Instant.now());
    }
}
