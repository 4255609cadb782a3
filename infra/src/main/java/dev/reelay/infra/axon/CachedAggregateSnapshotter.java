package dev.reelay.infra.axon;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.Nonnull;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.AggregateCacheEntry;
import org.axonframework.eventsourcing.EventSourcedAggregate;
import org.axonframework.eventsourcing.SnapshotTrigger;
import org.axonframework.eventsourcing.SnapshotTriggerDefinition;
import org.axonframework.eventsourcing.Snapshotter;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serial;
import java.io.Serializable;

/**
 * Snapshots an aggregate that the aggregate cache holds from the state in memory, instead of reading it back. Axon's
 * snapshotter reads the aggregate's last snapshot and the events after it and applies them to a fresh instance, only
 * to write the state that the command which triggered it holds already: for a user's account, whose snapshot grows
 * with their tasks in flight, that was 12 % of the request threads' CPU in benchmark 1 (issue 16), mostly
 * deserialising the previous snapshot.
 * <p>
 * The snapshot is taken when the triggering unit of work has committed ({@link #everyEvents}), on its thread, before
 * its clean-up releases the repository's lock on the aggregate: the cache entry put when the unit of work prepared its
 * commit is that aggregate, with exactly the committed events applied, and nobody else can change it meanwhile. When
 * the cache does not hold the aggregate (the cache is off, as the README advises for several nodes, or it was evicted)
 * or the snapshot is asked for outside that moment, Axon's snapshotter does it the usual way.
 */
final class CachedAggregateSnapshotter implements Snapshotter {

    private static final Logger log = LoggerFactory.getLogger(CachedAggregateSnapshotter.class);

    private final Cache cache;
    private final EventStore eventStore;
    private final TransactionManager transactionManager;
    private final Snapshotter fromTheStore;
    private final Counter fromMemory;
    private final Counter readBack;

    CachedAggregateSnapshotter(Cache cache, EventStore eventStore, TransactionManager transactionManager,
                               Snapshotter fromTheStore, MeterRegistry meters) {
        this.cache = cache;
        this.eventStore = eventStore;
        this.transactionManager = transactionManager;
        this.fromTheStore = fromTheStore;
        this.fromMemory = Counter.builder("reelay.snapshots").tag("source", "memory")
                .description("aggregate snapshots taken from the cached aggregate").register(meters);
        this.readBack = Counter.builder("reelay.snapshots").tag("source", "event-store")
                .description("aggregate snapshots taken by reading the aggregate back from the event store").register(meters);
    }

    /**
     * A snapshot every {@code threshold} events an aggregate handled (replayed when it was loaded, or applied since),
     * asked for once the unit of work that reached the count has committed. Axon's {@code EventCountSnapshotTrigger}
     * asks at clean-up instead for an aggregate whose loading it did not see to the end (a new one, or one from the
     * cache), which is after the lock was released (and after a rollback too).
     */
    SnapshotTriggerDefinition everyEvents(int threshold) {
        return new SnapshotTriggerDefinition() {
            @Override
            public SnapshotTrigger prepareTrigger(@Nonnull Class<?> aggregateType) {
                return new AfterCommitTrigger(aggregateType, threshold, CachedAggregateSnapshotter.this);
            }

            @Override
            public SnapshotTrigger reconfigure(@Nonnull Class<?> aggregateType, @Nonnull SnapshotTrigger trigger) {
                if (trigger instanceof AfterCommitTrigger ours) {
                    ours.snapshotter = CachedAggregateSnapshotter.this;
                    return ours;
                }
                return prepareTrigger(aggregateType);
            }
        };
    }

    @Override
    public void scheduleSnapshot(@Nonnull Class<?> aggregateType, @Nonnull String aggregateIdentifier) {
        if (CurrentUnitOfWork.isStarted() && CurrentUnitOfWork.get().phase() == UnitOfWork.Phase.AFTER_COMMIT) {
            snapshot(aggregateType, aggregateIdentifier);
        } else {
            readBack(aggregateType, aggregateIdentifier);
        }
    }

    private void snapshot(Class<?> aggregateType, String aggregateIdentifier) {
        Object cached = cache.get(aggregateIdentifier);
        if (!(cached instanceof AggregateCacheEntry<?> entry)) {
            readBack(aggregateType, aggregateIdentifier);
            return;
        }
        EventSourcedAggregate<?> aggregate = AtTheEventStoresHead.inMemory(entry);
        if (aggregate == null) {
            readBack(aggregateType, aggregateIdentifier);
            return;
        }
        if (aggregate.version() == null || aggregate.isDeleted()) {
            return;
        }
        try {
            transactionManager.executeInTransaction(() -> eventStore.storeSnapshot(new GenericDomainEventMessage<>(
                    aggregate.type(), aggregate.identifierAsString(), aggregate.version(), aggregate.getAggregateRoot())));
            fromMemory.increment();
        } catch (RuntimeException e) {
            // as Axon's snapshotter: a snapshot only saves work, so a failed one is logged and the aggregate loads without it
            log.warn("snapshot of {} {} at {} not stored", aggregate.type(), aggregateIdentifier, aggregate.version(), e);
        }
    }

    private void readBack(Class<?> aggregateType, String aggregateIdentifier) {
        readBack.increment();
        fromTheStore.scheduleSnapshot(aggregateType, aggregateIdentifier);
    }

    /** Counts the events an aggregate handled; at the threshold, asks for a snapshot after the commit. */
    static final class AfterCommitTrigger implements SnapshotTrigger, Serializable {

        @Serial
        private static final long serialVersionUID = 1L;

        private final Class<?> aggregateType;
        private final int threshold;
        private transient Snapshotter snapshotter;
        private int counted;

        AfterCommitTrigger(Class<?> aggregateType, int threshold, Snapshotter snapshotter) {
            this.aggregateType = aggregateType;
            this.threshold = threshold;
            this.snapshotter = snapshotter;
        }

        @Override
        public void eventHandled(@Nonnull EventMessage<?> message) {
            if (!(message instanceof DomainEventMessage<?> event) || ++counted < threshold) {
                return;
            }
            counted = 0;
            String aggregateIdentifier = event.getAggregateIdentifier();
            if (CurrentUnitOfWork.isStarted()) {
                CurrentUnitOfWork.get().afterCommit(u -> snapshotter.scheduleSnapshot(aggregateType, aggregateIdentifier));
            } else {
                snapshotter.scheduleSnapshot(aggregateType, aggregateIdentifier);
            }
        }

        @Override
        public void initializationFinished() {
            // counted from the first event handled, replayed or new, as Axon's EventCountSnapshotTrigger does
        }
    }
}
