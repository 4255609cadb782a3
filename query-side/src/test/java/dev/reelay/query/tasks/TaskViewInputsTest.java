package dev.reelay.query.tasks;

import dev.reelay.kernel.event.QuotaCaptured;
import dev.reelay.kernel.event.QuotaHeld;
import dev.reelay.kernel.event.QuotaReleased;
import dev.reelay.kernel.event.TaskEvent;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.eventhandling.AnnotationEventHandlerAdapter;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** task-views drops an account's quota movements without deserialising them, and reads every other task event. */
class TaskViewInputsTest {

    static final VideoId TASK = new VideoId("video_00000000-0000-0000-0000-000000000001");

    /** A stored event whose payload, when read, says so. */
    static EventMessage<?> unread(Object payload) {
        return new GenericDomainEventMessage<>("UserAccount", "alice", 7, payload) {
            @Override
            public Object getPayload() {
                throw new IllegalStateException("the payload was read");
            }
        };
    }

    /** Some task event of no known kind. */
    record SomeTaskEvent(VideoId videoId) implements TaskEvent {
    }

    // neither the rollup nor the database is reached by what these tests send
    final AnnotationEventHandlerAdapter taskViews = new AnnotationEventHandlerAdapter(new TaskViewProjector(null, null));

    @Test
    void anAccountsQuotaMovementIsHandledUnread() throws Exception {
        QuotaHeld held = new QuotaHeld("alice", TASK, "sora-2", "1280x720", 8, BigDecimal.ONE, BigDecimal.valueOf(8),
                Instant.EPOCH, Instant.EPOCH.plusSeconds(86_400), Instant.EPOCH);
        assertThat(taskViews.canHandle(unread(held))).isTrue();
        taskViews.handle(unread(held));
        assertThat(TaskViewInputs.NOT_SHOWN).containsExactlyInAnyOrder(QuotaHeld.class, QuotaCaptured.class,
                QuotaReleased.class).allMatch(TaskEvent.class::isAssignableFrom);
    }

    @Test
    void anyOtherTaskEventIsRead() {
        assertThatThrownBy(() -> taskViews.handle(unread(new SomeTaskEvent(TASK))))
                .hasMessageContaining("the payload was read");
    }
}
