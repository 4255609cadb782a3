package dev.reelay.query.live;

import org.axonframework.eventhandling.TrackingToken;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One SSE client: the viewer's stream of one owner's tasks, or of a single task. Until {@link #goLive()} the live events
 * it is offered wait in a buffer while the resume replays from the store; it never sends a position it has already
 * sent, so the replay and the buffer may overlap. A send that fails drops the subscriber.
 */
final class LiveSubscriber {

    private final String viewer;
    private final String owner;
    private final String videoId;
    private final SseEmitter emitter;
    private final Consumer<LiveSubscriber> drop;
    private final AtomicBoolean closed = new AtomicBoolean();
    private List<OutgoingEvent> buffer = new ArrayList<>();
    private TrackingToken sentUpTo;

    LiveSubscriber(String viewer, String owner, String videoId, SseEmitter emitter, Consumer<LiveSubscriber> drop) {
        this.viewer = viewer;
        this.owner = owner;
        this.videoId = videoId;
        this.emitter = emitter;
        this.drop = drop;
    }

    String viewer() {
        return viewer;
    }

    String owner() {
        return owner;
    }

    SseEmitter emitter() {
        return emitter;
    }

    boolean wants(String eventOwner, String eventVideo) {
        return owner.equals(eventOwner) && (videoId == null || videoId.equals(eventVideo));
    }

    /** Treats everything up to {@code position} as sent: a replay starts after it, a reset's reload covers it. */
    synchronized void sentUpTo(TrackingToken position) {
        sentUpTo = position;
    }

    /** A live event: sent now, or buffered while the replay runs. */
    synchronized void offer(OutgoingEvent event) {
        if (buffer != null) {
            buffer.add(event);
        } else {
            send(event);
        }
    }

    /** After the replay: drain what arrived live meanwhile, skipping what the replay already covered. */
    synchronized void goLive() {
        for (OutgoingEvent event : buffer) {
            send(event);
        }
        buffer = null;
    }

    synchronized void send(OutgoingEvent event) {
        if (sentUpTo != null && sentUpTo.covers(event.position())) {
            return;
        }
        // no "event:" field: an EventSource that sets only onmessage sees every event; the type is in the data
        if (send(SseEmitter.event().id(StreamPosition.encode(event.position())).data(event.json(), MediaType.APPLICATION_JSON))) {
            sentUpTo = sentUpTo == null ? event.position() : sentUpTo.upperBound(event.position());
        }
    }

    void comment(String comment) {
        send(SseEmitter.event().comment(comment));
    }

    /** Sends {@code event} as it is; false (and the subscriber dropped) when the client is gone. */
    boolean send(SseEmitter.SseEventBuilder event) {
        try {
            emitter.send(event);
            return true;
        } catch (IOException | IllegalStateException e) {
            drop.accept(this);
            return false;
        }
    }

    /** True the first time only: whoever closes the subscriber releases its place. */
    boolean markClosed() {
        return closed.compareAndSet(false, true);
    }

    boolean isClosed() {
        return closed.get();
    }
}
