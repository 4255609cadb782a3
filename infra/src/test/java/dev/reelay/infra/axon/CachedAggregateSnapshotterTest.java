package dev.reelay.infra.axon;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.caching.NoCache;
import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventsourcing.SnapshotTrigger;
import org.axonframework.eventsourcing.Snapshotter;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
        return new CachedAggregateSnapshotter(cache, eventStore, NoTransactionManager.INSTANCE, fromTheStore, meters);
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
