package dev.reelay.infra.axon;

import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.commandhandling.gateway.RetryScheduler;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.axonframework.modelling.command.ConcurrencyException;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Retries a command whose unit of work lost an append race: two nodes (or a node and its own saga) appending to one
 * user's account stream at once. The loser's whole unit of work rolled back, so running it again is safe; a create
 * that raced reports itself as {@link AggregateStreamCreationException} because Axon cannot tell which row of the
 * batch collided. Domain rejections and every other failure are not retried. A few quick, jittered attempts; what
 * still conflicts after them reaches the client as 409 {@code CONCURRENT_UPDATE}.
 */
final class ConflictRetryScheduler implements RetryScheduler {

    static final int MAX_RETRIES = 4;

    private final ScheduledExecutorService executor;

    ConflictRetryScheduler(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    @Override
    public boolean scheduleRetry(CommandMessage commandMessage, RuntimeException lastFailure,
                                 List<Class<? extends Throwable>[]> failures, Runnable commandDispatch) {
        if (failures.size() > MAX_RETRIES || !isConflict(lastFailure)) {
            return false;
        }
        long pauseMs = ThreadLocalRandom.current().nextLong(5, 20L << failures.size());
        executor.schedule(commandDispatch, pauseMs, TimeUnit.MILLISECONDS);
        return true;
    }

    static boolean isConflict(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConcurrencyException || t instanceof AggregateStreamCreationException) {
                return true;
            }
        }
        return false;
    }
}
