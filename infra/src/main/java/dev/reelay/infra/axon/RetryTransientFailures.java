package dev.reelay.infra.axon;

import dev.reelay.infra.web.DatabaseOutage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.axonframework.common.AxonTransientException;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventMessageHandler;
import org.axonframework.eventhandling.ListenerInvocationErrorHandler;
import org.axonframework.eventhandling.LoggingErrorHandler;
import org.axonframework.modelling.saga.AnnotatedSaga;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Set;

/**
 * What an event processor does when one of its handlers throws. Axon's default logs the failure and goes on with the
 * next event, which skips the event for good: for the upstream saga a task whose settlement met a deadlock kept its
 * hold and slot, and its saga never ended. A failure that may pass on a second try (a lost append race, a deadlock, a
 * lock or statement timeout, a lost database as {@link DatabaseOutage} tells it) is rethrown instead: the processor
 * rolls its batch back and handles it again after a back-off, and every handler involved is safe to run twice. Any other failure would only fail again and
 * hold up every later event of the segment, so it is logged and skipped as before. Both are counted
 * ({@code reelay.events.handler.failures}, tags {@code handler}, the handling class, and {@code outcome} =
 * {@code retried} | {@code skipped}). Every processor uses it.
 */
final class RetryTransientFailures implements ListenerInvocationErrorHandler {

    /**
     * PostgreSQL's SQLSTATEs for failures of the moment besides a lost database ({@link DatabaseOutage}): transaction
     * rollback (class 40: serialization failure, deadlock), insufficient resources (53), operator intervention (57: a
     * cancelled statement, such as a saga load's lock wait running out) and a lock not available (55P03).
     */
    private static final Set<String> TRANSIENT_CLASSES = Set.of("40", "53", "57");
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private final ListenerInvocationErrorHandler skip = new LoggingErrorHandler();
    private final MeterRegistry meters;

    RetryTransientFailures(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void onError(Exception exception, EventMessage<?> event, EventMessageHandler eventHandler) throws Exception {
        // a saga is handed over as Axon's wrapper around it
        String handler = (eventHandler instanceof AnnotatedSaga<?> saga ? saga.root().getClass()
                : eventHandler.getTargetType()).getSimpleName();
        if (isTransient(exception)) {
            count(handler, "retried");
            throw exception;
        }
        count(handler, "skipped");
        skip.onError(exception, event, eventHandler);
    }

    static boolean isTransient(Throwable failure) {
        if (DatabaseOutage.causedBy(failure)) {
            return true;
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AxonTransientException || t instanceof TransientDataAccessException
                    || t instanceof RecoverableDataAccessException || t instanceof SQLTransientException
                    || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().length() >= 2
                    && (TRANSIENT_CLASSES.contains(sql.getSQLState().substring(0, 2))
                    || LOCK_NOT_AVAILABLE.equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    private void count(String handler, String outcome) {
        Counter.builder("reelay.events.handler.failures")
                .description("Event handler failures: retried with the whole batch, or logged and skipped")
                .tag("handler", handler).tag("outcome", outcome).register(meters).increment();
    }
}
