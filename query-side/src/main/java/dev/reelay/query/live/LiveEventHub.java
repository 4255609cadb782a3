package dev.reelay.query.live;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.event.TaskEvent;
import dev.reelay.kernel.event.TaskSubmitted;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Fans task events out to SSE subscribers. One thread tails the event store from its head; subscribers are servlet-async
 * emitters (no thread per stream). A reconnect with {@code Last-Event-ID} first replays what it missed from the event
 * store, buffering live events meanwhile, then continues live: nothing lost, nothing sent twice.
 */
@Component
public class LiveEventHub implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LiveEventHub.class);

    private final EventStore eventStore;
    private final Duration heartbeat;
    private final Duration streamTimeout;
    private final Duration replayLimit = Duration.ofSeconds(30);
    private final Map<String, Set<Subscriber>> byOwner = new ConcurrentHashMap<>();
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

    LiveEventHub(EventStore eventStore, @Value("${reelay.sse.heartbeat:15s}") Duration heartbeat,
                 @Value("${reelay.sse.timeout:30m}") Duration streamTimeout) {
        this.eventStore = eventStore;
        this.heartbeat = heartbeat;
        this.streamTimeout = streamTimeout;
    }

    /** One SSE client: the caller's tasks, or a single task. */
    final class Subscriber {
        final String owner;
        final String videoId;
        final SseEmitter emitter;
        private List<TrackedEventMessage<?>> buffer = new ArrayList<>();
        private TrackingToken sentUpTo;

        Subscriber(String owner, String videoId, SseEmitter emitter) {
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

    /** Opens a stream for {@code owner} (optionally one task), resuming after {@code lastEventId} if given. */
    public SseEmitter subscribe(Owner owner, String videoId, String lastEventId) {
        SseEmitter emitter = new SseEmitter(streamTimeout.toMillis());
        Subscriber subscriber = new Subscriber(owner.value(), videoId, emitter);
        emitter.onCompletion(() -> remove(subscriber));
        emitter.onTimeout(() -> remove(subscriber));
        emitter.onError(e -> remove(subscriber));
        byOwner.computeIfAbsent(owner.value(), k -> new CopyOnWriteArraySet<>()).add(subscriber);
        var resumeFrom = StreamPosition.decode(lastEventId);
        if (resumeFrom != null) {
            replay(subscriber, resumeFrom);
        } else {
            try {
                emitter.send(SseEmitter.event().comment("connected"));
            } catch (IOException e) {
                remove(subscriber);
            }
        }
        subscriber.goLive();
        return emitter;
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
            while (System.nanoTime() < deadline) {
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
            log.warn("replay for {} did not reach the live position within {}", subscriber.owner, replayLimit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }


    private void remove(Subscriber subscriber) {
        Set<Subscriber> set = byOwner.get(subscriber.owner);
        if (set != null) {
            set.remove(subscriber);
        }
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
