package dev.reelay.query.live;

import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.RetryLaterException;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * The open streams of this node, by the owner whose tasks they show, and how many each viewer holds: at most
 * {@code reelay.sse.max-streams-per-user}. A stream stops counting when it completes, times out, fails, or a send to
 * it fails (for a client that went away, at the next heartbeat at the latest).
 */
@Component
class LiveSubscribers {

    private final Map<String, Set<LiveSubscriber>> byOwner = new ConcurrentHashMap<>();
    private final Map<String, Integer> streamsByViewer = new ConcurrentHashMap<>();
    private final int maxStreamsPerUser;
    private final Duration streamTimeout;
    private final Duration heartbeat;

    LiveSubscribers(LiveStreamProperties properties) {
        this.maxStreamsPerUser = properties.maxStreamsPerUser();
        this.streamTimeout = properties.timeout();
        this.heartbeat = properties.heartbeat();
    }

    /**
     * Opens a stream for {@code viewer} on {@code owner}'s tasks (or the one task {@code videoId}).
     *
     * @throws RetryLaterException (429 {@code TOO_MANY_STREAMS}) when the viewer already holds the bound on this node
     */
    LiveSubscriber open(String viewer, String owner, String videoId) {
        if (!admit(viewer)) {
            throw new RetryLaterException(ErrorCode.TOO_MANY_STREAMS, "You have " + maxStreamsPerUser
                    + " live streams open; close one first (a stream whose client went away is noticed at the next heartbeat)",
                    heartbeat);
        }
        SseEmitter emitter = new SseEmitter(streamTimeout.toMillis());
        LiveSubscriber subscriber = new LiveSubscriber(viewer, owner, videoId, emitter, this::remove);
        emitter.onCompletion(() -> remove(subscriber));
        emitter.onTimeout(() -> remove(subscriber));
        emitter.onError(e -> remove(subscriber));
        byOwner.computeIfAbsent(owner, k -> new CopyOnWriteArraySet<>()).add(subscriber);
        return subscriber;
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

    void remove(LiveSubscriber subscriber) {
        if (!subscriber.markClosed()) {
            return;
        }
        Set<LiveSubscriber> set = byOwner.get(subscriber.owner());
        if (set != null) {
            set.remove(subscriber);
        }
        streamsByViewer.computeIfPresent(subscriber.viewer(), (k, open) -> open <= 1 ? null : open - 1);
    }

    /** Streams this node holds for {@code viewer}. */
    int openStreams(String viewer) {
        return streamsByViewer.getOrDefault(viewer, 0);
    }

    boolean isEmpty() {
        return byOwner.isEmpty();
    }

    /** The streams showing {@code owner}'s tasks (empty if none). */
    Set<LiveSubscriber> of(String owner) {
        return byOwner.getOrDefault(owner, Set.of());
    }

    void forEach(Consumer<LiveSubscriber> action) {
        byOwner.values().forEach(set -> set.forEach(action));
    }

    /** Completes every stream, for shutdown. */
    void completeAll() {
        forEach(subscriber -> subscriber.emitter().complete());
        byOwner.clear();
    }
}
