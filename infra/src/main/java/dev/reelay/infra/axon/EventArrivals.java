package dev.reelay.infra.axon;

import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.messaging.StreamableMessageSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Tells the pooled streaming processors (the upstream saga, the content archiver) that new events are in the event
 * store as soon as this node's event store has read them, so that they handle them then instead of looking every
 * 500 ms. Axon's embedded event store wakes its tracking consumers when a local commit appended events (and reads
 * other nodes' events every second), but its streams take no availability callback, and without one a pooled
 * processor's coordinator polls: in benchmark 1 at an offered 400 creates/s the saga then took ~220 tasks every
 * ~560 ms, and the creates' latency rose and fell with that beat (issue 16).
 * <p>
 * One thread follows the head of the event store as a consumer of the embedded store (woken with the read models'
 * processors when the store's producer fetched; a consumer whose token has other gaps than the store's cache reads
 * the table itself, so a ring follows each arrival once more after {@code interval}) and, when events arrived, rings
 * every pooled processor's stream that asked for a callback, at most once per {@code interval}: under load the saga
 * takes what arrived in slices of that length. Rung at once, each arrival cost a small batch and a token write (at
 * 400 creates/s 4.3-4.4 ms of CPU per create, against 3.7 with the beat; every 50 ms, 4.1). With nothing new it
 * still rings every 500 ms, as often as the coordinators polled: their looks for unclaimed segments and their claims
 * keep their timing ({@code ClusterNodes}). If following the head fails, it rings every second instead and opens
 * the head again. Were the thread to die, a coordinator that was told its stream takes a callback would still look
 * every 2 s (its claim extension, {@code ProcessorConfiguration}); a stream opened then starts a new one.
 */
final class EventArrivals implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventArrivals.class);
    /** With nothing new, the coordinators are still rung this often: as often as they polled before. */
    static final Duration IDLE_RING = Duration.ofMillis(500);
    private static final int RETRY_SECONDS = 1;

    private final long intervalNanos;
    private final int idleMillis;
    private final Set<Runnable> callbacks = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    /** The store followed, and its follower: set by the first stream that asks for a callback. */
    private StreamableMessageSource<TrackedEventMessage<?>> followed;
    private Thread follower;
    private volatile boolean following;
    private volatile boolean closed;

    /**
     * Rings at most once per {@code interval} (what arrives meanwhile is rung together), and every {@code idle} when
     * nothing arrives.
     */
    EventArrivals(Duration interval, Duration idle) {
        this.intervalNanos = interval.toNanos();
        this.idleMillis = Math.toIntExact(idle.toMillis());
    }

    /** {@code events}, whose streams take an availability callback that this rings. */
    StreamableMessageSource<TrackedEventMessage<?>> around(StreamableMessageSource<TrackedEventMessage<?>> events) {
        return new Source(events);
    }

    /** Rings every registered callback. */
    private void ring() {
        for (Runnable callback : callbacks) {
            try {
                callback.run();
            } catch (RuntimeException e) {
                // a coordinator that is shutting down rejects its task; it asks again when it opens a new stream
                log.debug("an availability callback failed", e);
            }
        }
    }

    /** How many streams wait for a ring. */
    int listening() {
        return callbacks.size();
    }

    /** True once the head is followed: what is appended from then on is rung. */
    boolean following() {
        return following;
    }

    private void listen(StreamableMessageSource<TrackedEventMessage<?>> events, Runnable callback) {
        callbacks.add(callback);
        synchronized (lock) {
            if ((follower == null || !follower.isAlive()) && !closed) { // the first stream, or a follower that died
                followed = events;
                follower = new Thread(this::follow, "event-arrivals");
                follower.setDaemon(true);
                follower.start();
            }
        }
    }

    /** Rings once {@code interval} has passed since {@code lastRing}; when it rang. */
    private long ringAfterInterval(long lastRing) throws InterruptedException {
        long wait = lastRing + intervalNanos - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        ring();
        return System.nanoTime();
    }

    private void follow() {
        boolean failing = false;
        long lastRing = System.nanoTime() - intervalNanos;
        while (!closed) {
            try (BlockingStream<TrackedEventMessage<?>> head = followed.openStream(followed.createHeadToken())) {
                following = true;
                failing = false;
                while (!closed) {
                    // woken by arrivals, by the store's producer fetching what this stream reads from the table
                    // itself, or idle (the coordinators look as often as they polled: claims, unclaimed segments)
                    boolean arrived = head.hasNextAvailable(idleMillis, TimeUnit.MILLISECONDS);
                    while (head.hasNextAvailable()) {
                        head.nextAvailable(); // payloads stay unread: only their arrival counts
                    }
                    lastRing = ringAfterInterval(lastRing);
                    if (arrived && !head.hasNextAvailable()) {
                        // once more: this stream may read the table itself (a token with other gaps than the store's
                        // cache) and have seen a commit before the store's producer, whose cache the coordinators
                        // read, had fetched it
                        lastRing = ringAfterInterval(lastRing);
                    }
                }
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
                // not closed: not ours to stop on; keep ringing
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                following = false;
                if (!failing) {
                    log.warn("could not follow the event store's head; pooled processors are rung every second until "
                            + "it can", e);
                }
                failing = true;
                try {
                    TimeUnit.SECONDS.sleep(RETRY_SECONDS);
                } catch (InterruptedException interrupted) {
                    if (closed) {
                        return;
                    }
                }
                ring();
            }
        }
    }

    /** Stops following the head (with Axon's inbound connectors, before the event store shuts down). */
    @Override
    public void close() {
        closed = true;
        Thread thread;
        synchronized (lock) {
            thread = follower;
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    private final class Source implements StreamableMessageSource<TrackedEventMessage<?>> {

        private final StreamableMessageSource<TrackedEventMessage<?>> events;

        private Source(StreamableMessageSource<TrackedEventMessage<?>> events) {
            this.events = events;
        }

        @Override
        public BlockingStream<TrackedEventMessage<?>> openStream(TrackingToken trackingToken) {
            return new CallbackStream(events.openStream(trackingToken));
        }

        @Override
        public TrackingToken createTailToken() {
            return events.createTailToken();
        }

        @Override
        public TrackingToken createHeadToken() {
            return events.createHeadToken();
        }

        @Override
        public TrackingToken createTokenAt(Instant dateTime) {
            return events.createTokenAt(dateTime);
        }

        @Override
        public TrackingToken createTokenSince(Duration duration) {
            return events.createTokenSince(duration);
        }

        private final class CallbackStream implements BlockingStream<TrackedEventMessage<?>> {

            private final BlockingStream<TrackedEventMessage<?>> stream;
            private volatile Runnable callback;

            private CallbackStream(BlockingStream<TrackedEventMessage<?>> stream) {
                this.stream = stream;
            }

            @Override
            public boolean setOnAvailableCallback(Runnable callback) {
                Runnable previous = this.callback;
                if (previous != null) {
                    callbacks.remove(previous);
                }
                this.callback = callback;
                listen(events, callback);
                return true;
            }

            @Override
            public Optional<TrackedEventMessage<?>> peek() {
                return stream.peek();
            }

            @Override
            public boolean hasNextAvailable() {
                return stream.hasNextAvailable();
            }

            @Override
            public boolean hasNextAvailable(int timeout, TimeUnit unit) throws InterruptedException {
                return stream.hasNextAvailable(timeout, unit);
            }

            @Override
            public TrackedEventMessage<?> nextAvailable() throws InterruptedException {
                return stream.nextAvailable();
            }

            @Override
            public void skipMessagesWithPayloadTypeOf(TrackedEventMessage<?> ignoredMessage) {
                stream.skipMessagesWithPayloadTypeOf(ignoredMessage);
            }

            @Override
            public java.util.stream.Stream<TrackedEventMessage<?>> asStream() {
                return stream.asStream();
            }

            @Override
            public void close() {
                Runnable registered = callback;
                if (registered != null) {
                    callbacks.remove(registered);
                }
                stream.close();
            }
        }
    }
}
