package dev.reelay.infra.axon;

import dev.reelay.infra.support.TestDatabase;
import org.axonframework.eventsourcing.AggregateCacheEntry;
import org.axonframework.eventsourcing.EventSourcedAggregate;
import org.axonframework.eventsourcing.NoSnapshotTriggerDefinition;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.inspection.AnnotatedAggregateMetaModelFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import java.util.UUID;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/** A cached aggregate against a real event store table: current only at the head of its own events. */
class AtTheEventStoresHeadTest {

    JdbcTemplate jdbc;
    AtTheEventStoresHead check;

    @BeforeEach
    void freshDatabase() {
        DataSource database = TestDatabase.newMigratedDatabase();
        jdbc = new JdbcTemplate(database);
        check = new AtTheEventStoresHead(JdbcEngines.on(database));
    }

    static final class Probe {
        @AggregateIdentifier
        String id;

        Probe(String id) {
            this.id = id;
        }
    }

    /** The entry Axon's caching repository puts after an aggregate's commit, here at {@code version}. */
    static AggregateCacheEntry<Probe> cachedAt(String id, long version) {
        return new AggregateCacheEntry<>(EventSourcedAggregate.reconstruct(new Probe(id),
                AnnotatedAggregateMetaModelFactory.inspectAggregate(Probe.class), version, false, null,
                NoSnapshotTriggerDefinition.TRIGGER));
    }

    void stored(String aggregateId, long sequenceNumber) {
        jdbc.update("insert into domain_event_entry (event_identifier, aggregate_identifier, sequence_number, type, "
                        + "time_stamp, payload_type, payload) values (?, ?, ?, 'Probe', '2026-12-05T00:00:00Z', 'P', ?)",
                UUID.randomUUID().toString(), aggregateId, sequenceNumber, new byte[] {'{', '}'});
    }

    @Test
    void anEntryAtTheHeadIsCurrentAndOneBehindAnotherNodesAppendIsNot() {
        for (long seq = 0; seq <= 3; seq++) {
            stored("probe-1", seq);
        }
        assertThat(check.current("probe-1", cachedAt("probe-1", 3))).isTrue();
        assertThat(check.current("probe-1", cachedAt("probe-1", 2))).as("an event appended elsewhere").isFalse();

        stored("probe-1", 4);
        assertThat(check.current("probe-1", cachedAt("probe-1", 3))).isFalse();
        assertThat(check.current("probe-1", cachedAt("probe-1", 4))).isTrue();
    }

    @Test
    void anEntryForAnAggregateWithNoStoredEventsIsNotCurrent() {
        assertThat(check.current("probe-2", cachedAt("probe-2", 0))).isFalse();
    }

    @Test
    void somethingThatIsNotAnAggregateEntryIsLeftAlone() {
        assertThat(check.current("probe-3", "a value of another kind")).isTrue();
    }
}
