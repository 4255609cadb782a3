package dev.reelay.infra.axon;

import dev.reelay.infra.support.TestDatabase;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Pooled processors' streams are rung when events arrive (issue 16: their coordinators polled every 500 ms), on a real
 * event store table: for this node's appends and for another node's, and never for a stream that was closed.
 */
class EventArrivalsTest {

    final DataSource database = TestDatabase.newMigratedDatabase();
    final List<EventArrivals> followers = new ArrayList<>();
    final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        followers.forEach(EventArrivals::close); // first: a follower may be reading the streams closed next
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    /** A node's event store on the shared database. */
    EmbeddedEventStore node() {
        EmbeddedEventStore store = EmbeddedEventStore.builder().storageEngine(JdbcEngines.on(database)).build();
        opened.add(store::shutDown);
        return store;
    }

    /** Rung for arrivals (and the store's fetches) only: the idle ring is an hour away. */
    EventArrivals arrivals() {
        return arrivals(Duration.ofHours(1));
    }

    EventArrivals arrivals(Duration idle) {
        EventArrivals arrivals = new EventArrivals(Duration.ofMillis(25), idle);
        followers.add(arrivals);
        return arrivals;
    }

    BlockingStream<TrackedEventMessage<?>> openAtHead(EventArrivals arrivals, EmbeddedEventStore store) {
        BlockingStream<TrackedEventMessage<?>> stream = arrivals.around(store).openStream(store.createHeadToken());
        opened.add(stream);
        return stream;
    }

    static void append(EmbeddedEventStore store, String aggregateId, long sequenceNumber) {
        store.publish(new GenericDomainEventMessage<>("Probe", aggregateId, sequenceNumber, "event " + sequenceNumber));
    }

    /**
     * A callback that counts its rings, and the rings at which an event after the head was readable: looked up on a
     * stream of its own (a stream is not for two threads), which the embedded store feeds with the stream rung.
     */
    final class Rings implements Runnable {
        final AtomicInteger all = new AtomicInteger();
        final AtomicInteger withEvents = new AtomicInteger();
        final BlockingStream<TrackedEventMessage<?>> probe;

        Rings(EmbeddedEventStore store) {
            probe = store.openStream(store.createHeadToken());
            opened.add(probe);
        }

        @Override
        public void run() {
            all.incrementAndGet();
            if (probe.hasNextAvailable()) {
                withEvents.incrementAndGet();
            }
        }
    }

    @Test
    void aStreamIsRungOnceThisNodesAppendIsReadable() throws InterruptedException {
        EmbeddedEventStore store = node();
        append(store, "probe-0", 0); // the head is not empty
        EventArrivals arrivals = arrivals();
        BlockingStream<TrackedEventMessage<?>> stream = openAtHead(arrivals, store);
        Rings rings = new Rings(store);
        assertThat(stream.setOnAvailableCallback(rings)).as("the coordinator is told it need not poll").isTrue();
        assertThat(arrivals.listening()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(arrivals::following);

        append(store, "probe-1", 0);

        await().atMost(Duration.ofSeconds(5)).until(() -> rings.withEvents.get() >= 1);
        assertThat(stream.hasNextAvailable(1, TimeUnit.SECONDS)).isTrue();
        assertThat(stream.nextAvailable().getPayload()).isEqualTo("event 0");
        assertThat(stream.hasNextAvailable()).isFalse();
    }

    @Test
    void anotherNodesAppendRingsThisNodesStreams() {
        EmbeddedEventStore here = node();
        EmbeddedEventStore there = node();
        append(there, "probe-0", 0);
        EventArrivals arrivals = arrivals();
        Rings rings = new Rings(here);
        openAtHead(arrivals, here).setOnAvailableCallback(rings);
        await().atMost(Duration.ofSeconds(5)).until(arrivals::following);

        append(there, "probe-2", 0);

        // seen when this node's event store reads the table again: within its fetch delay (1 s)
        await().atMost(Duration.ofSeconds(5)).until(() -> rings.withEvents.get() >= 1);
    }

    @Test
    void idleStreamsAreStillRungAsOftenAsTheCoordinatorsPolled() {
        EmbeddedEventStore store = node();
        append(store, "probe-0", 0);
        EventArrivals arrivals = arrivals(Duration.ofMillis(100));
        Rings rings = new Rings(store);
        openAtHead(arrivals, store).setOnAvailableCallback(rings);

        await().atMost(Duration.ofSeconds(5)).until(() -> rings.all.get() >= 3);
        assertThat(rings.withEvents.get()).as("nothing arrived").isZero();
    }

    @Test
    void aClosedStreamIsNoLongerRungNorACallbackReplaced() {
        EmbeddedEventStore store = node();
        append(store, "probe-0", 0);
        EventArrivals arrivals = arrivals();
        AtomicInteger closed = new AtomicInteger();
        AtomicInteger replaced = new AtomicInteger();
        Rings rings = new Rings(store);
        BlockingStream<TrackedEventMessage<?>> staying = openAtHead(arrivals, store);
        staying.setOnAvailableCallback(replaced::incrementAndGet);
        staying.setOnAvailableCallback(rings);
        BlockingStream<TrackedEventMessage<?>> closing = openAtHead(arrivals, store);
        closing.setOnAvailableCallback(closed::incrementAndGet);
        assertThat(arrivals.listening()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(arrivals::following);

        closing.close();
        assertThat(arrivals.listening()).isEqualTo(1);
        for (long sequenceNumber = 0; sequenceNumber < 3; sequenceNumber++) {
            append(store, "probe-3", sequenceNumber);
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> rings.withEvents.get() >= 1);
        assertThat(closed.get()).isZero();
        assertThat(replaced.get()).isZero();
    }
}
