package dev.reelay.command.upstream;

import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** Saga-wide timings that are not a provider's: the submission watchdog and its takeover check, how many rounds it may start, and now. */
@Component
public class UpstreamTimings {

    private final UpstreamProperties settings;
    private final Clock clock;

    public UpstreamTimings(UpstreamProperties settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    Duration submissionWatchdog() {
        return settings.submissionWatchdog();
    }

    Duration takeoverCheck() {
        return settings.takeoverCheckBound();
    }

    int submissionRounds() {
        return settings.submissionRounds();
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
