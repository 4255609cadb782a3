package dev.reelay.infra.axon;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventMessageHandler;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.common.jdbc.JdbcException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataIntegrityViolationException;

import java.sql.SQLException;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which handler failures roll the batch back to be tried again, and which are logged and skipped. */
class RetryTransientFailuresTest {

    private static final EventMessage<?> EVENT = GenericEventMessage.asEventMessage("an event");
    private static final EventMessageHandler HANDLER = new SomeProjector();

    private static final class SomeProjector implements EventMessageHandler {
        @Override
        public Object handle(EventMessage<?> event) {
            return null;
        }
    }

    @Test
    void failuresOfTheMomentAreTransientWhereverTheyAreInTheCauseChain() {
        assertThat(RetryTransientFailures.isTransient(new CannotAcquireLockException("locked"))).isTrue();
        assertThat(RetryTransientFailures.isTransient(new ConcurrencyException("append race"))).isTrue();
        assertThat(RetryTransientFailures.isTransient(new CompletionException(
                new JdbcException("saga load", new SQLException("deadlock detected", "40P01"))))).isTrue();
        assertThat(RetryTransientFailures.isTransient(new JdbcException("saga load",
                new SQLException("canceling statement due to user request", "57014")))).isTrue();
        assertThat(RetryTransientFailures.isTransient(new IllegalStateException("pool",
                new SQLException("Connection refused", "08001")))).isTrue();
        assertThat(RetryTransientFailures.isTransient(new SQLException("could not obtain lock", "55P03"))).isTrue();
    }

    @Test
    void failuresThatWouldComeBackAreNot() {
        assertThat(RetryTransientFailures.isTransient(new IllegalArgumentException("bad payload"))).isFalse();
        assertThat(RetryTransientFailures.isTransient(new DataIntegrityViolationException("dup",
                new SQLException("duplicate key", "23505")))).isFalse();
        assertThat(RetryTransientFailures.isTransient(new SQLException("no state"))).isFalse();
        RuntimeException loop = new RuntimeException("self-caused");
        assertThat(RetryTransientFailures.isTransient(loop)).isFalse();
    }

    @Test
    void aTransientFailureIsRethrownAndAnyOtherIsSkippedAndBothAreCounted() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RetryTransientFailures handler = new RetryTransientFailures(meters);

        CannotAcquireLockException locked = new CannotAcquireLockException("locked");
        assertThatThrownBy(() -> handler.onError(locked, EVENT, HANDLER)).isSameAs(locked);
        assertThatCode(() -> handler.onError(new IllegalArgumentException("bad"), EVENT, HANDLER))
                .doesNotThrowAnyException();

        String type = "SomeProjector";
        assertThat(meters.get("reelay.events.handler.failures").tag("handler", type).tag("outcome", "retried")
                .counter().count()).isEqualTo(1);
        assertThat(meters.get("reelay.events.handler.failures").tag("handler", type).tag("outcome", "skipped")
                .counter().count()).isEqualTo(1);
    }
}
