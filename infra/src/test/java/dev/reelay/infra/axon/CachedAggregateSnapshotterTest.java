package dev.reelay.infra.axon;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.caching.NoCache;
import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventsourcing.AggregateCacheEntry;
import org.axonframework.eventsourcing.EventSourcedAggregate;
import org.axonframework.eventsourcing.NoSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.SnapshotTrigger;
import org.axonframework.eventsourcing.Snapshotter;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.inspection.AnnotatedAggregateMetaModelFactory;
import org.axonframework.serialization.json.JacksonSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When a snapshot is asked for, and when the cache cannot give the aggregate it is read back from the event store by
 * Axon's snapshotter. The path from memory runs in {@code AxonStorageTest} (a real account, snapshotted, then loaded
 * from that snapshot).
 */
class CachedAggregateSnapshotterTest {

    final List<String> readBack = new ArrayList<>();
    final Snapshotter fromTheStore = (type, id) -> readBack.add(type.getSimpleName() + "/" + id);
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final EmbeddedEventStore eventStore = EmbeddedEventStore.builder()
            .storageEngine(new InMemoryEventStorageEngine()).build();

    @AfterEach
    void shutDown() {
        eventStore.shutDown();
    }

    CachedAggregateSnapshotter snapshotter(Cache cache) {
        return new CachedAggregateSnapshotter(cache, eventStore, NoTransactionManager.INSTANCE,
                JacksonSerializer.defaultSerializer(), fromTheStore, meters);
    }

    double counted(String source) {
        return meters.get("reelay.snapshots").tag("source", source).counter().count();
    }

    static GenericDomainEventMessage<String> event(String aggregateId, long sequenceNumber) {
        return new GenericDomainEventMessage<>("Probe", aggregateId, sequenceNumber, "event " + sequenceNumber);
    }

    @Test
    void theTriggerAsksOnceItsThresholdIsReachedAndOnlyAfterTheCommit() {
        SnapshotTrigger trigger = snapshotter(NoCache.INSTANCE).everyEvents(3).prepareTrigger(String.class);
        UnitOfWork<?> unitOfWork = DefaultUnitOfWork.startAndGet(null);

        trigger.eventHandled(event("account-1", 0));
        trigger.eventHandled(GenericEventMessage.asEventMessage("not an aggregate's event"));
        trigger.eventHandled(event("account-1", 1));
        trigger.initializationFinished();
        trigger.eventHandled(event("account-1", 2));
        assertThat(readBack).as("nothing before the commit").isEmpty();
        unitOfWork.commit();

        assertThat(readBack).as("the cache holds nothing: read back").containsExactly("String/account-1");
        assertThat(counted("event-store")).isEqualTo(1);
        assertThat(counted("memory")).isZero();

        trigger.eventHandled(event("account-1", 3));
        trigger.eventHandled(event("account-1", 4));
        assertThat(readBack).as("counted again from zero").hasSize(1);
    }

    /** An aggregate whose state grows with what it holds, as an account with its tasks in flight. */
    static final class Holder {
        @AggregateIdentifier
        String id;
        List<String> held = new ArrayList<>();

        Holder(String id, int held) {
            this.id = id;
            for (int i = 0; i < held; i++) {
                this.held.add("task-" + UUID.randomUUID());
            }
        }

        public String getId() {
            return id;
        }

        public List<String> getHeld() {
            return held;
        }
    }

    /** Axon's caching repository's entry after the aggregate's commit at {@code version}. */
    static void cached(Cache cache, Holder holder, long version) {
        cache.put(holder.id, new AggregateCacheEntry<>(EventSourcedAggregate.reconstruct(holder,
                AnnotatedAggregateMetaModelFactory.inspectAggregate(Holder.class), version, false, null,
                NoSnapshotTriggerDefinition.TRIGGER)));
    }

    /** Handles {@code count} events of one aggregate, each in a unit of work that commits. */
    static void handled(SnapshotTrigger trigger, String id, long from, int count) {
        for (long seq = from; seq < from + count; seq++) {
            UnitOfWork<?> unitOfWork = DefaultUnitOfWork.startAndGet(null);
            trigger.eventHandled(event(id, seq));
            unitOfWork.commit();
        }
    }

    @Test
    void aLargeSnapshotFromMemoryPutsTheNextOffByItsBytesAndASmallOneKeepsTheThreshold() {
        BoundedAggregateCache cache = new BoundedAggregateCache(10, Duration.ofMinutes(1));
        CachedAggregateSnapshotter.AfterCommitTrigger trigger = (CachedAggregateSnapshotter.AfterCommitTrigger)
                snapshotter(cache).everyEvents(10).prepareTrigger(Holder.class);
        Holder holder = new Holder("account-7", 2_000); // ~90 KB of JSON
        cached(cache, holder, 9);

        handled(trigger, "account-7", 0, 10);
        assertThat(counted("memory")).isEqualTo(1);
        byte[] stored = (byte[]) eventStore.readEvents("account-7").asStream().findFirst().orElseThrow()
                .serializePayload(JacksonSerializer.defaultSerializer(), byte[].class).getData();
        int expectedNext = stored.length / CachedAggregateSnapshotter.BYTES_PER_EVENT;
        assertThat(expectedNext).as("the snapshot's bytes over 400").isGreaterThan(200);
        assertThat(trigger.next()).isEqualTo(expectedNext);

        cached(cache, holder, 9 + expectedNext - 1);
        handled(trigger, "account-7", 10, expectedNext - 1);
        assertThat(counted("memory")).as("not after the first threshold's 10 events").isEqualTo(1);
        cached(cache, holder, 9 + expectedNext);
        holder.held.clear(); // the tasks settled: the next snapshot is small
        handled(trigger, "account-7", 10 + expectedNext - 1, 1);
        assertThat(counted("memory")).isEqualTo(2);
        assertThat(trigger.next()).as("back to the threshold").isEqualTo(10);
        assertThat(readBack).isEmpty();
    }

    @Test
    void aUnitOfWorkThatRollsBackAsksForNoSnapshot() {
        SnapshotTrigger trigger = snapshotter(NoCache.INSTANCE).everyEvents(1).prepareTrigger(String.class);
        UnitOfWork<?> unitOfWork = DefaultUnitOfWork.startAndGet(null);

        trigger.eventHandled(event("account-2", 0));
        unitOfWork.rollback();

        assertThat(readBack).isEmpty();
    }

    @Test
    void anAggregateTheCacheDoesNotHoldIsReadBack() {
        BoundedAggregateCache cache = new BoundedAggregateCache(10, Duration.ofMinutes(1));
        cache.put("account-4", "not an aggregate entry");
        SnapshotTrigger trigger = snapshotter(cache).everyEvents(1).prepareTrigger(String.class);
        UnitOfWork<?> unitOfWork = DefaultUnitOfWork.startAndGet(null);

        trigger.eventHandled(event("account-3", 0));
        trigger.eventHandled(event("account-4", 0));
        unitOfWork.commit();

        assertThat(readBack).containsExactlyInAnyOrder("String/account-3", "String/account-4");
    }

    @Test
    void askedOutsideTheMomentAfterACommitItIsReadBackAtOnce() {
        CachedAggregateSnapshotter snapshotter = snapshotter(NoCache.INSTANCE);
        snapshotter.scheduleSnapshot(String.class, "account-5");
        assertThat(readBack).containsExactly("String/account-5");

        UnitOfWork<?> unitOfWork = DefaultUnitOfWork.startAndGet(null);
        snapshotter.scheduleSnapshot(String.class, "account-6");
        assertThat(readBack).containsExactly("String/account-5", "String/account-6");
        unitOfWork.commit();
    }
}
