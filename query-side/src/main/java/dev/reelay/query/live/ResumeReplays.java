package dev.reelay.query.live;

import dev.reelay.kernel.event.TaskEvent;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Replays what a resuming stream missed, from the event store, on {@code reelay.sse.replay-threads} workers with at
 * most {@code reelay.sse.replay-queue} resumes waiting: never on a request thread, and never an unbounded queue of
 * store reads. A replay runs up to where the live tail stood; the tail buffers everything after it in the subscriber,
 * which goes live once the replay ends.
 */
@Component
class ResumeReplays {

    private static final Logger log = LoggerFactory.getLogger(ResumeReplays.class);

    /** How long one replay may read before the subscriber goes live with what it has. */
    private static final Duration REPLAY_LIMIT = Duration.ofSeconds(30);

    private final EventStore eventStore;
    private final LiveEventTail tail;
    private final LiveEventJson json;
    private final Clock clock;
    private final ThreadPoolExecutor workers;

    ResumeReplays(EventStore eventStore, LiveEventTail tail, LiveEventJson json, Clock clock,
                  LiveStreamProperties properties) {
        this.eventStore = eventStore;
        this.tail = tail;
        this.json = json;
        this.clock = clock;
        int threads = properties.replayThreads();
        this.workers = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                properties.replayQueue() == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(properties.replayQueue()),
                r -> {
                    Thread thread = new Thread(r, "sse-replay");
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.workers.allowCoreThreadTimeOut(true);
    }

    /** Replays after {@code from} and then lets the subscriber go live; false when every worker and queue slot is taken. */
    boolean replayThenGoLive(LiveSubscriber subscriber, TrackingToken from) {
        try {
            workers.execute(() -> {
                replay(subscriber, from);
                subscriber.goLive();
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    void stop() {
        workers.shutdownNow();
    }

    /** The store may serve recent events asynchronously, so reads wait briefly. */
    private void replay(LiveSubscriber subscriber, TrackingToken from) {
        subscriber.sentUpTo(from);
        long targetIndex = tail.liveIndex();
        if (targetIndex <= LiveEventTail.indexOf(from)) {
            return;
        }
        Instant deadline = clock.instant().plus(REPLAY_LIMIT);
        try (BlockingStream<TrackedEventMessage<?>> stream = eventStore.openStream(from)) {
            while (clock.instant().isBefore(deadline) && !subscriber.isClosed()) {
                if (!stream.hasNextAvailable(200, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                TrackedEventMessage<?> event = stream.nextAvailable();
                if (event.getPayload() instanceof TaskEvent taskEvent
                        && subscriber.wants(tail.ownerOf(event, taskEvent), taskEvent.videoId().value())) {
                    subscriber.send(json.outgoing(event));
                }
                if (LiveEventTail.indexOf(event.trackingToken()) >= targetIndex) {
                    return; // caught up: the rest was buffered from the live tail
                }
            }
            if (!subscriber.isClosed()) {
                log.warn("replay for {} did not reach the live position within {}", subscriber.owner(), REPLAY_LIMIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("replay for {} failed: {}", subscriber.owner(), e.toString());
            subscriber.emitter().completeWithError(e);
        }
    }
}
