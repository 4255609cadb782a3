package dev.reelay.query.live;

import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A comment to every open stream each {@code reelay.sse.heartbeat}: it keeps proxies from closing a quiet stream,
 * and a send that fails is how a stream whose client went away is noticed and stops counting.
 */
@Component
class LiveHeartbeats {

    private final LiveSubscribers subscribers;
    private final Duration interval;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "sse-heartbeat");
        thread.setDaemon(true);
        return thread;
    });

    LiveHeartbeats(LiveSubscribers subscribers, LiveStreamProperties properties) {
        this.subscribers = subscribers;
        this.interval = properties.heartbeat();
    }

    void start() {
        scheduler.scheduleAtFixedRate(() -> subscribers.forEach(s -> s.comment("heartbeat")),
                interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop() {
        scheduler.shutdownNow();
    }
}
