package dev.reelay.command.upstream;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** Saga-wide timings that are not a provider's: the submission watchdog and how many rounds it may start. */
@Component
public class UpstreamTimings {

    private final Duration submissionWatchdog;
    private final int submissionRounds;
    private final Clock clock;

    public UpstreamTimings(@Value("${reelay.upstream.submission-watchdog:2m}") Duration submissionWatchdog,
                           @Value("${reelay.upstream.submission-rounds:3}") int submissionRounds, Clock clock) {
        this.submissionWatchdog = submissionWatchdog;
        this.submissionRounds = submissionRounds;
        this.clock = clock;
    }

    Duration submissionWatchdog() {
        return submissionWatchdog;
    }

    int submissionRounds() {
        return submissionRounds;
    }

    Instant now() {
        return clock.instant();
    }

    /** Used when a provider has been removed from the configuration while jobs were still running on it. */
    UpstreamProviders.ProviderRoute fallbackRoute(String providerId) {
        return new UpstreamProviders.ProviderRoute(providerId, 0, false, false, Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofMinutes(30),
                Duration.ofMinutes(2));
    }
}
