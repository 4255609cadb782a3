package dev.reelay.infra.axon;

import org.axonframework.eventsourcing.AggregateCacheEntry;
import org.axonframework.eventsourcing.EventSourcedAggregate;
import org.axonframework.eventsourcing.NoSnapshotTriggerDefinition;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A cached aggregate is current while its last event is the last event the event store holds for it: one lookup on
 * the (aggregate, sequence) index, in the loading command's transaction and under the aggregate's lock on this node.
 * With several nodes, another node may have appended to the aggregate since this node cached it. A command that
 * appends would lose the append race and be tried again, but one that decides from the state and appends nothing
 * would decide from an old state: a remix refused because the cached task is not completed yet, an archive dropped,
 * a create refused over a quota that another node's settlement freed. So the entry is checked when it is read, and
 * one that is behind is dropped and the aggregate read from the event store.
 */
final class AtTheEventStoresHead implements BoundedAggregateCache.EntryCheck {

    private final JdbcTemplate jdbc;

    AtTheEventStoresHead(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public boolean current(Object key, Object value) {
        if (!(value instanceof AggregateCacheEntry<?> entry)) {
            return true; // not an aggregate: nothing to compare
        }
        Long version = versionOf(entry);
        Long head = jdbc.queryForObject("select max(sequence_number) from domain_event_entry where aggregate_identifier = ?",
                Long.class, key.toString());
        return version != null && version.equals(head);
    }

    /**
     * The entry's version. The bounded cache keeps the objects Axon puts in it, so the entry still holds the aggregate
     * itself, which {@code recreateAggregate} hands back without the arguments it would need to rebuild one.
     */
    private static Long versionOf(AggregateCacheEntry<?> entry) {
        try {
            EventSourcedAggregate<?> aggregate = entry.recreateAggregate(null, null, null, NoSnapshotTriggerDefinition.INSTANCE);
            return aggregate.version();
        } catch (RuntimeException notInMemory) {
            return null; // an entry that was serialised: not current, so it is read again
        }
    }
}
