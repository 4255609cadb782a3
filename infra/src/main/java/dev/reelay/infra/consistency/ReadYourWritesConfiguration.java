package dev.reelay.infra.consistency;

import dev.reelay.command.web.WriteVisibility;
import dev.reelay.kernel.task.VideoId;
import dev.reelay.query.consistency.ReadModelCatchUp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Read-your-writes (ADR 0009): the write routes wait, bounded, for the read models through {@link ReadModelCatchUp},
 * with a timer of the wait and a count of writes that answered before their read models caught up.
 */
@Configuration(proxyBeanMethods = false)
class ReadYourWritesConfiguration {

    /**
     * What a write on this node appended, once committed, is what its wait for the read models waits for:
     * {@link ReadModelCatchUp} need not ask the event store for the aggregate's head (two queries per create, issue
     * 16). Recorded once the unit of work that appended has committed (Axon runs a nested one's after-commit work
     * only if it committed, after its root did), so an append that was rolled back (a lost race, retried) is never
     * waited for. An event published outside a unit of work is not recorded: the interceptor runs before the append,
     * which may still fail; such a write waits for the event store's head, as before.
     */
    @Autowired
    void appendsTellWaitingWrites(EventStore eventStore, ReadModelCatchUp catchUp) {
        eventStore.registerDispatchInterceptor(events -> (index, event) -> {
            if (event instanceof DomainEventMessage<?> appended && CurrentUnitOfWork.isStarted()) {
                String aggregateId = appended.getAggregateIdentifier();
                long sequenceNumber = appended.getSequenceNumber();
                CurrentUnitOfWork.get().afterCommit(u -> catchUp.appended(aggregateId, sequenceNumber));
            }
            return event;
        });
    }

    @Bean
    WriteVisibility writeVisibility(ReadModelCatchUp catchUp, ConsistencyProperties properties, MeterRegistry meters) {
        return new MeteredWriteVisibility(catchUp, properties, meters);
    }

    static final class MeteredWriteVisibility implements WriteVisibility {

        private static final Logger log = LoggerFactory.getLogger(MeteredWriteVisibility.class);
        private static final long WARNING_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

        private final ReadModelCatchUp catchUp;
        private final ConsistencyProperties properties;
        private final Timer waited;
        private final Counter late;
        private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARNING_EVERY_NANOS);

        MeteredWriteVisibility(ReadModelCatchUp catchUp, ConsistencyProperties properties, MeterRegistry meters) {
            this.catchUp = catchUp;
            this.properties = properties;
            this.waited = Timer.builder("reelay.read_your_writes.wait")
                    .description("time a write waited for its read models").publishPercentileHistogram().register(meters);
            this.late = Counter.builder("reelay.read_your_writes.late")
                    .description("writes that answered before their read models caught up (bound passed)").register(meters);
        }

        @Override
        public void awaitVisible(VideoId videoId) {
            measure("task " + videoId, () -> catchUp.await(videoId.value(), properties.writeWait()));
        }

        private void measure(String what, BooleanSupplier wait) {
            long started = System.nanoTime();
            boolean caughtUp = wait.getAsBoolean();
            waited.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            if (!caughtUp) {
                late.increment();
                long now = System.nanoTime();
                long last = lastWarning.get();
                if (now - last < WARNING_EVERY_NANOS || !lastWarning.compareAndSet(last, now)) {
                    return; // a stopped projection makes every write late: one line per minute says it
                }
                log.warn("read models did not show {} within {}; answering anyway (single-task reads fold its events; "
                        + "see reelay.read_your_writes.late for how many)", what, properties.writeWait());
            }
        }
    }
}
