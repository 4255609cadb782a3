package dev.reelay.command.upstream;

import dev.reelay.kernel.task.VideoId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Keeps status calls within bounds on this node: not before the provider's own {@code poll-after} hint for the job,
 * one at a time per job (a poll may wait out its provider's {@code Retry-After} window, ADR 0012, and the next tick
 * must not stack another behind it), and not more than {@code reelay.upstream.max-in-flight-polls} at once. A
 * skipped poll is retried at the saga's next tick.
 */
@Component
class PollThrottle {

    private static final Logger log = LoggerFactory.getLogger(PollThrottle.class);

    private final Semaphore inFlight;
    private final Map<VideoId, Instant> notBefore = new ConcurrentHashMap<>();
    private final Set<VideoId> polling = ConcurrentHashMap.newKeySet();

    PollThrottle(UpstreamProperties settings) {
        this.inFlight = new Semaphore(settings.maxInFlightPolls());
    }

    /** True if a poll may start now; the caller then calls {@link #finished(VideoId)} when it ends. */
    boolean tryStart(VideoId videoId, Instant now) {
        Instant hint = notBefore.get(videoId);
        if (hint != null && now.isBefore(hint)) {
            return false;
        }
        if (!polling.add(videoId)) {
            log.debug("poll of {} skipped: its last poll is still waiting or running", videoId);
            return false;
        }
        if (!inFlight.tryAcquire()) {
            polling.remove(videoId);
            log.debug("poll of {} skipped: too many polls in flight", videoId);
            return false;
        }
        return true;
    }

    void finished(VideoId videoId) {
        polling.remove(videoId);
        inFlight.release();
    }

    /** The provider asked not to be polled for this job before {@code pollAfter} from now. */
    void hint(VideoId videoId, Duration pollAfter, Instant now) {
        notBefore.put(videoId, now.plus(pollAfter));
    }

    void forget(VideoId videoId) {
        notBefore.remove(videoId);
    }
}
