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
import org.axonframework.serialization.Serializer;
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
 * <p>
 * An account's snapshot grows with its tasks in flight, and writing it every 100 events cost more than the events
 * themselves once a user had a few hundred (benchmark 1: 6 % of the request threads' samples, every user with
 * 850–1,550 in flight). So the trigger waits longer after a large snapshot: at least one event per {@value #BYTES_PER_EVENT} bytes
 * of the last snapshot taken from memory. What a snapshot costs stays within what the events it spans cost to write,
 * and loading an account reads at most about as many event bytes after its snapshot as the snapshot holds.
 */
final class CachedAggregateSnapshotter implements Snapshotter {

    private static final Logger log = LoggerFactory.getLogger(CachedAggregateSnapshotter.class);

    /** Bytes of snapshot per event until the next one: an account's events are 270–430 bytes each. */
    static final int BYTES_PER_EVENT = 400;

    private final Cache cache;
    private final EventStore eventStore;
    private final TransactionManager transactionManager;
    private final Serializer serializer;
    private final Snapshotter fromTheStore;
    private final Counter fromMemory;
    private final Counter readBack;

    /** {@code serializer}: the event store's snapshot serializer, which then reuses the bytes sized here. */
    CachedAggregateSnapshotter(Cache cache, EventStore eventStore, TransactionManager transactionManager,
                               Serializer serializer, Snapshotter fromTheStore, MeterRegistry meters) {
        this.cache = cache;
        this.eventStore = eventStore;
        this.transactionManager = transactionManager;
        this.serializer = serializer;
        this.fromTheStore = fromTheStore;
        this.fromMemory = Counter.builder("reelay.snapshots").tag("source", "memory")
                .description("aggregate snapshots taken from the cached aggregate").register(meters);
        this.readBack = Counter.builder("reelay.snapshots").tag("source", "event-store")
                .description("aggregate snapshots taken by reading the aggregate back from the event store").register(meters);
    }

    /**
     * A snapshot every {@code threshold} events an aggregate handled (replayed when it was loaded, or applied since),
     * or every {@value #BYTES_PER_EVENT}th byte of the last snapshot if that is more, asked for once the unit of work
     * that reached the count has committed. Axon's {@code EventCountSnapshotTrigger}
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
        take(aggregateType, aggregateIdentifier);
    }

    /** Takes or asks for the snapshot; the bytes of its payload when taken from memory here, otherwise 0. */
    int take(Class<?> aggregateType, String aggregateIdentifier) {
        if (CurrentUnitOfWork.isStarted() && CurrentUnitOfWork.get().phase() == UnitOfWork.Phase.AFTER_COMMIT) {
            return snapshot(aggregateType, aggregateIdentifier);
        }
        readBack(aggregateType, aggregateIdentifier);
        return 0;
    }

    private int snapshot(Class<?> aggregateType, String aggregateIdentifier) {
        Object cached = cache.get(aggregateIdentifier);
        if (!(cached instanceof AggregateCacheEntry<?> entry)) {
            readBack(aggregateType, aggregateIdentifier);
            return 0;
        }
        EventSourcedAggregate<?> aggregate = AtTheEventStoresHead.inMemory(entry);
        if (aggregate == null) {
            readBack(aggregateType, aggregateIdentifier);
            return 0;
        }
        if (aggregate.version() == null || aggregate.isDeleted()) {
            return 0;
        }
        try {
            DomainEventMessage<?> snapshot = new GenericDomainEventMessage<>(aggregate.type(),
                    aggregate.identifierAsString(), aggregate.version(), aggregate.getAggregateRoot());
            // serialised once: the message keeps the bytes, and the storage engine asks for the same form
            int bytes = snapshot.serializePayload(serializer, byte[].class).getData().length;
            transactionManager.executeInTransaction(() -> eventStore.storeSnapshot(snapshot));
            fromMemory.increment();
            return bytes;
        } catch (RuntimeException e) {
            // as Axon's snapshotter: a snapshot only saves work, so a failed one is logged and the aggregate loads without it
            log.warn("snapshot of {} {} at {} not stored", aggregate.type(), aggregateIdentifier, aggregate.version(), e);
            return 0;
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
        private transient CachedAggregateSnapshotter snapshotter;
        private int counted;
        private int next;

        AfterCommitTrigger(Class<?> aggregateType, int threshold, CachedAggregateSnapshotter snapshotter) {
            this.aggregateType = aggregateType;
            this.threshold = threshold;
            this.snapshotter = snapshotter;
            this.next = threshold;
        }

        @Override
        public void eventHandled(@Nonnull EventMessage<?> message) {
            if (!(message instanceof DomainEventMessage<?> event) || ++counted < next) {
                return;
            }
            counted = 0;
            String aggregateIdentifier = event.getAggregateIdentifier();
            if (CurrentUnitOfWork.isStarted()) {
                CurrentUnitOfWork.get().afterCommit(u -> took(snapshotter.take(aggregateType, aggregateIdentifier)));
            } else {
                took(snapshotter.take(aggregateType, aggregateIdentifier));
            }
        }

        private void took(int bytes) {
            next = Math.max(threshold, bytes / BYTES_PER_EVENT);
        }

        /** Events until the next snapshot is asked for, counted from the last (package-private for tests). */
        int next() {
            return next;
        }

        @Override
        public void initializationFinished() {
            // counted from the first event handled, replayed or new, as Axon's EventCountSnapshotTrigger does
        }
    }
}
