package dev.reelay.query.live;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.event.TaskEvent;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.RetryLaterException;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Fans task events out to SSE subscribers. One thread tails the event store from its head; subscribers are servlet-async
 * emitters (no thread per stream). A reconnect with {@code Last-Event-ID} first replays what it missed from the event
 * store, buffering live events meanwhile, then continues live: nothing lost, nothing sent twice. Replays run on a
 * small bounded pool, never on the request thread, and reach back at most {@code reelay.sse.max-replay-events} store
 * positions: further back, the stream starts with a {@code reset} event telling the client to reload its list.
 * A user holds at most {@code reelay.sse.max-streams-per-user} streams on this node.
 */
@Component
public class LiveEventHub implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LiveEventHub.class);

    /** The SSE event name of a resume that reaches back further than a replay may. */
    public static final String RESET_EVENT = "reset";

    private final EventStore eventStore;
    private final Duration heartbeat;
    private final Duration streamTimeout;
    private final int maxStreamsPerUser;
    private final long maxReplayEvents;
    private final Duration replayLimit = Duration.ofSeconds(30);
    private final ThreadPoolExecutor replays;
    private final Map<String, Set<Subscriber>> byOwner = new ConcurrentHashMap<>();
    private final Map<String, Integer> streamsByViewer = new ConcurrentHashMap<>();
    private final Map<String, String> owners = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 100_000;
        }
    });
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sse-heartbeat"));
    private volatile boolean running;
    private volatile Thread tail;
    private volatile TrackingToken livePosition;

    LiveEventHub(EventStore eventStore, LiveStreamProperties properties) {
        this.eventStore = eventStore;
        this.heartbeat = properties.heartbeat();
        this.streamTimeout = properties.timeout();
        this.maxStreamsPerUser = properties.maxStreamsPerUser();
        this.maxReplayEvents = properties.maxReplayEvents();
        int threads = properties.replayThreads();
        this.replays = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                properties.replayQueue() == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(properties.replayQueue()),
                r -> daemon(r, "sse-replay"), new ThreadPoolExecutor.AbortPolicy());
        this.replays.allowCoreThreadTimeOut(true);
    }

    /** One SSE client: the caller's tasks, or a single task. */
    final class Subscriber {
        final String viewer;
        final String owner;
        final String videoId;
        final SseEmitter emitter;
        private List<TrackedEventMessage<?>> buffer = new ArrayList<>();
        private TrackingToken sentUpTo;
        private final AtomicBoolean closed = new AtomicBoolean();

        Subscriber(String viewer, String owner, String videoId, SseEmitter emitter) {
            this.viewer = viewer;
            this.owner = owner;
            this.videoId = videoId;
            this.emitter = emitter;
        }

        boolean wants(String eventOwner, String eventVideo) {
            return owner.equals(eventOwner) && (videoId == null || videoId.equals(eventVideo));
        }

        synchronized void offer(TrackedEventMessage<?> event) {
            if (buffer != null) {
                buffer.add(event);
            } else {
                send(event);
            }
        }

        /** After the replay: drain what arrived live meanwhile, skipping what the replay already covered. */
        synchronized void goLive() {
            for (TrackedEventMessage<?> event : buffer) {
                send(event);
            }
            buffer = null;
        }

        synchronized void send(TrackedEventMessage<?> event) {
            if (sentUpTo != null && sentUpTo.covers(event.trackingToken())) {
                return;
            }
            try {
                // no "event:" field: an EventSource that sets only onmessage sees every event; the type is in the data
                emitter.send(SseEmitter.event()
                        .id(StreamPosition.encode(event.trackingToken()))
                        .data(LiveEvents.describe(event), MediaType.APPLICATION_JSON));
                sentUpTo = sentUpTo == null ? event.trackingToken() : sentUpTo.upperBound(event.trackingToken());
            } catch (IOException | IllegalStateException e) {
                remove(this);
            }
        }
    }

    /**
     * Opens a stream for {@code viewer} on {@code owner}'s tasks (optionally one task), resuming after
     * {@code lastEventId} if given.
     *
     * @throws RetryLaterException (429) when the viewer holds {@code max-streams-per-user} streams on this node, or
     *                             when every replay worker and queue slot is taken
     */
    public SseEmitter subscribe(String viewer, String owner, String videoId, String lastEventId) {
        if (!admit(viewer)) {
            throw new RetryLaterException(ErrorCode.TOO_MANY_STREAMS, "You have " + maxStreamsPerUser
                    + " live streams open; close one first (a stream whose client went away is noticed at the next heartbeat)",
                    heartbeat);
        }
        SseEmitter emitter = new SseEmitter(streamTimeout.toMillis());
        Subscriber subscriber = new Subscriber(viewer, owner, videoId, emitter);
        emitter.onCompletion(() -> remove(subscriber));
        emitter.onTimeout(() -> remove(subscriber));
        emitter.onError(e -> remove(subscriber));
        byOwner.computeIfAbsent(owner, k -> new CopyOnWriteArraySet<>()).add(subscriber);
        var resumeFrom = StreamPosition.decode(lastEventId);
        TrackingToken live = livePosition;
        long liveIndex = live == null ? -1 : live.position().orElse(-1);
        if (resumeFrom == null) {
            sendComment(subscriber, "connected");
            subscriber.goLive();
        } else if (liveIndex - resumeFrom.getIndex() > maxReplayEvents || resumeFrom.getIndex() > liveIndex) {
            // too far back to replay (or a position this store never reached): the client reloads instead. The reset
            // carries the live position as its id; what the tail had reached is in the reload, so it is not sent again
            subscriber.sentUpTo = live;
            sendReset(subscriber, live, resumeFrom.getIndex(), liveIndex);
            subscriber.goLive();
        } else {
            try {
                replays.execute(() -> {
                    replay(subscriber, resumeFrom);
                    subscriber.goLive();
                });
            } catch (RejectedExecutionException e) {
                remove(subscriber);
                throw new RetryLaterException(ErrorCode.REPLAY_BUSY,
                        "Too many streams are resuming at once; retry shortly", Duration.ofSeconds(1));
            }
        }
        return emitter;
    }

    /** Counts a stream against its viewer unless the viewer is at the bound; atomic per viewer. */
    private boolean admit(String viewer) {
        boolean[] admitted = {false};
        streamsByViewer.compute(viewer, (k, open) -> {
            int count = open == null ? 0 : open;
            if (count >= maxStreamsPerUser) {
                return open;
            }
            admitted[0] = true;
            return count + 1;
        });
        return admitted[0];
    }

    /** Streams this node holds for {@code viewer} (for tests and diagnostics). */
    public int openStreams(String viewer) {
        return streamsByViewer.getOrDefault(viewer, 0);
    }

    private void sendComment(Subscriber subscriber, String comment) {
        try {
            subscriber.emitter.send(SseEmitter.event().comment(comment));
        } catch (IOException | IllegalStateException e) {
            remove(subscriber);
        }
    }

    /** The data of a {@code reset} event: why the resume was not replayed, and that the client reloads. */
    record ResetNotice(String reason, String action, long missedAtLeast, long maxReplayEvents) {
    }

    private void sendReset(Subscriber subscriber, TrackingToken live, long from, long liveIndex) {
        ResetNotice data = new ResetNotice(from > liveIndex ? "UNKNOWN_POSITION" : "TOO_FAR_BEHIND", "reload",
                Math.max(0, liveIndex - from), maxReplayEvents);
        SseEmitter.SseEventBuilder event = SseEmitter.event().name(RESET_EVENT).data(data, MediaType.APPLICATION_JSON);
        if (live != null) {
            // resuming from here later replays only what follows the reset
            event.id(StreamPosition.encode(live));
        }
        try {
            subscriber.emitter.send(event);
        } catch (IOException | IllegalStateException e) {
            remove(subscriber);
        }
    }

    /**
     * Replays from the event store up to where the live tail stood when the subscriber registered; everything after
     * that is in the subscriber's buffer. The store may serve recent events asynchronously, so reads wait briefly.
     */
    private void replay(Subscriber subscriber, TrackingToken from) {
        subscriber.sentUpTo = from;
        TrackingToken target = livePosition;
        long targetIndex = target == null ? -1 : target.position().orElse(-1);
        long fromIndex = from.position().orElse(-1);
        if (targetIndex <= fromIndex) {
            return;
        }
        long deadline = System.nanoTime() + replayLimit.toNanos();
        try (BlockingStream<TrackedEventMessage<?>> stream = eventStore.openStream(from)) {
            while (System.nanoTime() < deadline && !subscriber.closed.get()) {
                if (!stream.hasNextAvailable(200, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                TrackedEventMessage<?> event = stream.nextAvailable();
                if (event.getPayload() instanceof TaskEvent taskEvent) {
                    String video = taskEvent.videoId().value();
                    if (subscriber.wants(ownerOf(event, video).orElse(null), video)) {
                        subscriber.send(event);
                    }
                }
                if (event.trackingToken().position().orElse(-1) >= targetIndex) {
                    return; // caught up: the rest was buffered from the live tail
                }
            }
            if (!subscriber.closed.get()) {
                log.warn("replay for {} did not reach the live position within {}", subscriber.owner, replayLimit);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("replay for {} failed: {}", subscriber.owner, e.toString());
            subscriber.emitter.completeWithError(e);
        }
    }


    private void remove(Subscriber subscriber) {
        if (!subscriber.closed.compareAndSet(false, true)) {
            return;
        }
        Set<Subscriber> set = byOwner.get(subscriber.owner);
        if (set != null) {
            set.remove(subscriber);
        }
        streamsByViewer.computeIfPresent(subscriber.viewer, (k, open) -> open <= 1 ? null : open - 1);
    }

    private Optional<String> ownerOf(TrackedEventMessage<?> event, String videoId) {
        if (event.getPayload() instanceof TaskSubmitted submitted) {
            owners.put(videoId, submitted.owner());
            return Optional.of(submitted.owner());
        }
        String cached = owners.get(videoId);
        if (cached != null) {
            return Optional.of(cached);
        }
        DomainEventStream history = eventStore.readEvents(videoId);
        if (history.hasNext()) {
            DomainEventMessage<?> first = history.next();
            if (first.getPayload() instanceof TaskSubmitted submitted) {
                owners.put(videoId, submitted.owner());
                return Optional.of(submitted.owner());
            }
        }
        return Optional.empty();
    }

    private void tailLoop() {
        TrackingToken position = eventStore.createHeadToken();
        livePosition = position;
        while (running) {
            try (BlockingStream<TrackedEventMessage<?>> stream = eventStore.openStream(position)) {
                while (running) {
                    if (!stream.hasNextAvailable(1, TimeUnit.SECONDS)) {
                        continue;
                    }
                    TrackedEventMessage<?> event = stream.nextAvailable();
                    position = event.trackingToken();
                    livePosition = position;
                    if (event.getPayload() instanceof TaskEvent taskEvent && !byOwner.isEmpty()) {
                        String video = taskEvent.videoId().value();
                        String owner = ownerOf(event, video).orElse(null);
                        Set<Subscriber> subscribers = owner == null ? null : byOwner.get(owner);
                        if (subscribers != null) {
                            for (Subscriber subscriber : subscribers) {
                                if (subscriber.wants(owner, video)) {
                                    subscriber.offer(event);
                                }
                            }
                        }
                    } else if (event.getPayload() instanceof TaskSubmitted submitted) {
                        owners.put(submitted.videoId().value(), submitted.owner());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("live event tail failed; reopening from {}: {}", position, e.getMessage());
                }
            }
        }
    }

    private void sendHeartbeats() {
        for (Set<Subscriber> subscribers : byOwner.values()) {
            for (Subscriber subscriber : subscribers) {
                try {
                    subscriber.emitter.send(SseEmitter.event().comment("heartbeat"));
                } catch (IOException | IllegalStateException e) {
                    remove(subscriber);
                }
            }
        }
    }

    @Override
    public void start() {
        running = true;
        tail = daemon(this::tailLoop, "sse-event-tail");
        tail.start();
        heartbeats.scheduleAtFixedRate(this::sendHeartbeats, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        running = false;
        heartbeats.shutdownNow();
        replays.shutdownNow();
        byOwner.values().forEach(set -> set.forEach(s -> s.emitter.complete()));
        byOwner.clear();
        if (tail != null) {
            tail.interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }
}
