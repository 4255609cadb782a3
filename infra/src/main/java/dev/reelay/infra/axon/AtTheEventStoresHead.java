package dev.reelay.infra.axon;

import org.axonframework.eventsourcing.AggregateCacheEntry;
import org.axonframework.eventsourcing.EventSourcedAggregate;
import org.axonframework.eventsourcing.NoSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;

import java.util.Optional;

/**
 * A cached aggregate is current while its last event is the last event the event store holds for it: the storage
 * engine's {@code lastSequenceNumberFor}, one lookup on the (aggregate, sequence) index, in the loading command's
 * transaction and under the aggregate's lock on this node. With several nodes, another node may have appended to the
 * aggregate since this node cached it. A command that appends would lose the append race and be tried again, but one
 * that decides from the state and appends nothing would decide from an old state: a remix refused because the cached
 * task is not completed yet, an archive dropped, a create refused over a quota that another node's settlement freed.
 * So the entry is checked when it is read, and one that is behind is dropped and the aggregate read from the event
 * store.
 */
final class AtTheEventStoresHead implements BoundedAggregateCache.EntryCheck {

    private final EventStorageEngine events;

    AtTheEventStoresHead(EventStorageEngine events) {
        this.events = events;
    }

    @Override
    public boolean current(Object key, Object value) {
        if (!(value instanceof AggregateCacheEntry<?> entry)) {
            return true; // not an aggregate: nothing to compare
        }
        EventSourcedAggregate<?> aggregate = inMemory(entry);
        return aggregate != null && aggregate.version() != null
                && Optional.of(aggregate.version()).equals(events.lastSequenceNumberFor(key.toString()));
    }

    /**
     * The aggregate a cache entry holds. The bounded cache keeps the objects Axon puts in it, so the entry still holds
     * the aggregate itself, which {@code recreateAggregate} hands back without the arguments it would need to rebuild
     * one; null for an entry that was serialised (then it counts as not current, and is read again).
     */
    static EventSourcedAggregate<?> inMemory(AggregateCacheEntry<?> entry) {
        try {
            return entry.recreateAggregate(null, null, null, NoSnapshotTriggerDefinition.INSTANCE);
        } catch (RuntimeException notInMemory) {
            return null;
        }
    }
}
