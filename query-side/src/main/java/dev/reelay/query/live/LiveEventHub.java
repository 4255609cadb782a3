package dev.reelay.query.live;

import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.RetryLaterException;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.TrackingToken;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.time.Duration;

/**
 * Where live streams are opened, and the switch of the parts that serve them. Subscribers are servlet-async emitters
 * (no thread per stream) kept by {@link LiveSubscribers}; {@link LiveEventTail} follows the store and fans events out;
 * {@link LiveHeartbeats} keeps them alive. A reconnect with {@code Last-Event-ID} first replays what it missed
 * ({@link ResumeReplays}), buffering live events meanwhile, then continues live: nothing lost, nothing sent twice.
 * A resume more than {@code reelay.sse.max-replay-events} store positions back starts with a {@code reset} event
 * telling the client to reload its list instead.
 */
@Component
public class LiveEventHub implements SmartLifecycle {

    /** The SSE event name of a resume that reaches back further than a replay may. */
    public static final String RESET_EVENT = "reset";

    private final LiveSubscribers subscribers;
    private final LiveEventTail tail;
    private final ResumeReplays replays;
    private final LiveHeartbeats heartbeats;
    private final long maxReplayEvents;
    private volatile boolean running;

    LiveEventHub(LiveSubscribers subscribers, LiveEventTail tail, ResumeReplays replays, LiveHeartbeats heartbeats,
                 LiveStreamProperties properties) {
        this.subscribers = subscribers;
        this.tail = tail;
        this.replays = replays;
        this.heartbeats = heartbeats;
        this.maxReplayEvents = properties.maxReplayEvents();
    }

    /**
     * Opens a stream for {@code viewer} on {@code owner}'s tasks (optionally one task), resuming after
     * {@code lastEventId} if given.
     *
     * @throws RetryLaterException (429) when the viewer holds {@code max-streams-per-user} streams on this node, or
     *                             when every replay worker and queue slot is taken
     */
    public SseEmitter subscribe(String viewer, String owner, String videoId, String lastEventId) {
        LiveSubscriber subscriber = subscribers.open(viewer, owner, videoId);
        GapAwareTrackingToken resumeFrom = StreamPosition.decode(lastEventId);
        TrackingToken live = tail.livePosition();
        long liveIndex = LiveEventTail.indexOf(live);
        if (resumeFrom == null) {
            subscriber.comment("connected");
            subscriber.goLive();
        } else if (liveIndex - resumeFrom.getIndex() > maxReplayEvents || resumeFrom.getIndex() > liveIndex) {
            // too far back to replay (or a position this store never reached): the client reloads instead. The reset
            // carries the live position as its id; what the tail had reached is in the reload, so it is not sent again
            subscriber.sentUpTo(live);
            sendReset(subscriber, live, resumeFrom.getIndex(), liveIndex);
            subscriber.goLive();
        } else if (!replays.replayThenGoLive(subscriber, resumeFrom)) {
            subscribers.remove(subscriber);
            throw new RetryLaterException(ErrorCode.REPLAY_BUSY,
                    "Too many streams are resuming at once; retry shortly", Duration.ofSeconds(1));
        }
        return subscriber.emitter();
    }

    /** Streams this node holds for {@code viewer} (for tests and diagnostics). */
    public int openStreams(String viewer) {
        return subscribers.openStreams(viewer);
    }

    /** The data of a {@code reset} event: why the resume was not replayed, and that the client reloads. */
    record ResetNotice(String reason, String action, long missedAtLeast, long maxReplayEvents) {
    }

    private void sendReset(LiveSubscriber subscriber, TrackingToken live, long from, long liveIndex) {
        ResetNotice data = new ResetNotice(from > liveIndex ? "UNKNOWN_POSITION" : "TOO_FAR_BEHIND", "reload",
                Math.max(0, liveIndex - from), maxReplayEvents);
        SseEmitter.SseEventBuilder event = SseEmitter.event().name(RESET_EVENT).data(data, MediaType.APPLICATION_JSON);
        if (live != null) {
            // resuming from here later replays only what follows the reset
            event.id(StreamPosition.encode(live));
        }
        subscriber.send(event);
    }

    @Override
    public void start() {
        running = true;
        tail.start();
        heartbeats.start();
    }

    @Override
    public void stop() {
        running = false;
        heartbeats.stop();
        replays.stop();
        subscribers.completeAll();
        tail.stop();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
