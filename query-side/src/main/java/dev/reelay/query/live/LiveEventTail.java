package dev.reelay.query.live;

import dev.reelay.kernel.event.TaskEvent;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.query.access.TaskOwners;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.util.concurrent.TimeUnit;

/**
 * One thread that follows the event store from its head and hands each task event to the streams that show it. The
 * event's JSON is written once, and only if some stream wants it. The tail's position is where a new stream starts
 * live, and how far back a resume reaches.
 */
@Component
class LiveEventTail {

    private static final Logger log = LoggerFactory.getLogger(LiveEventTail.class);

    private final EventStore eventStore;
    private final TaskOwners owners;
    private final LiveSubscribers subscribers;
    private final LiveEventJson json;
    private volatile boolean running;
    private volatile Thread thread;
    private volatile TrackingToken livePosition;

    LiveEventTail(EventStore eventStore, TaskOwners owners, LiveSubscribers subscribers, LiveEventJson json) {
        this.eventStore = eventStore;
        this.owners = owners;
        this.subscribers = subscribers;
        this.json = json;
    }

    /** The position of the last event the tail has seen; null before it has started. */
    TrackingToken livePosition() {
        return livePosition;
    }

    /** The store index of {@link #livePosition()}; -1 before the first event. */
    long liveIndex() {
        return indexOf(livePosition);
    }

    static long indexOf(TrackingToken position) {
        return position == null ? -1 : position.position().orElse(-1);
    }

    /** The owner of a task event's task; a {@code TaskSubmitted} names it, and is remembered so later events cost no read. */
    String ownerOf(TrackedEventMessage<?> event, TaskEvent taskEvent) {
        if (event.getPayload() instanceof TaskSubmitted submitted) {
            owners.remember(submitted);
            return submitted.owner();
        }
        return owners.ownerValueOf(taskEvent.videoId().value()).orElse(null);
    }

    void start() {
        running = true;
        thread = new Thread(this::follow, "sse-event-tail");
        thread.setDaemon(true);
        thread.start();
    }

    void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void follow() {
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
                    if (event.getPayload() instanceof TaskEvent taskEvent && !subscribers.isEmpty()) {
                        fanOut(event, taskEvent);
                    } else if (event.getPayload() instanceof TaskSubmitted submitted) {
                        owners.remember(submitted);
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

    private void fanOut(TrackedEventMessage<?> event, TaskEvent taskEvent) {
        String owner = ownerOf(event, taskEvent);
        if (owner == null) {
            return;
        }
        String video = taskEvent.videoId().value();
        OutgoingEvent outgoing = null;
        for (LiveSubscriber subscriber : subscribers.of(owner)) {
            if (subscriber.wants(owner, video)) {
                outgoing = outgoing == null ? json.outgoing(event) : outgoing;
                subscriber.offer(outgoing);
            }
        }
    }
}
