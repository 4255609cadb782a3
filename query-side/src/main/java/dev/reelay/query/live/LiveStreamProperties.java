package dev.reelay.query.live;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * Live streams ({@code reelay.sse.*}). {@code maxStreamsPerUser} is counted per node; {@code maxTicketsPerUser}
 * in PostgreSQL, so across nodes. A resume more than {@code maxReplayEvents} store positions behind gets a
 * {@code reset} event instead of a replay; replays run on {@code replayThreads} workers with at most
 * {@code replayQueue} waiting, and a resume beyond that is 429.
 */
@ConfigurationProperties("reelay.sse")
public record LiveStreamProperties(Duration heartbeat, Duration timeout, Duration ticketTtl, Integer maxStreamsPerUser,
                                   Integer maxTicketsPerUser, Long maxReplayEvents, Integer replayThreads,
                                   Integer replayQueue) {

    public LiveStreamProperties {
        heartbeat = heartbeat == null ? Duration.ofSeconds(15) : heartbeat;
        timeout = timeout == null ? Duration.ofMinutes(30) : timeout;
        ticketTtl = ticketTtl == null ? Duration.ofSeconds(60) : ticketTtl;
        maxStreamsPerUser = atLeast(maxStreamsPerUser, 20, 1, "max-streams-per-user");
        maxTicketsPerUser = atLeast(maxTicketsPerUser, 20, 1, "max-tickets-per-user");
        maxReplayEvents = maxReplayEvents == null ? 10_000L : maxReplayEvents;
        if (maxReplayEvents < 0) {
            throw new IllegalArgumentException("reelay.sse.max-replay-events must be 0 or more");
        }
        replayThreads = atLeast(replayThreads, 2, 1, "replay-threads");
        replayQueue = atLeast(replayQueue, 64, 0, "replay-queue");
        for (Duration d : new Duration[]{heartbeat, timeout, ticketTtl}) {
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("reelay.sse durations must be positive");
            }
        }
    }

    private static int atLeast(Integer value, int fallback, int min, String name) {
        int v = value == null ? fallback : value;
        if (v < min) {
            throw new IllegalArgumentException("reelay.sse." + name + " must be " + min + " or more");
        }
        return v;
    }
}
