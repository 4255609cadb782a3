package dev.reelay.command.upstream;

import dev.reelay.kernel.task.VideoId;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class PollThrottleTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private final VideoId a = VideoId.derivedFrom("throttle-a");
    private final VideoId b = VideoId.derivedFrom("throttle-b");

    private static PollThrottle throttle(int maxInFlight) {
        return new PollThrottle(new UpstreamProperties(4, Duration.ofSeconds(1), Duration.ofSeconds(30), maxInFlight,
                Duration.ofMinutes(2), 3, Duration.ofSeconds(10), Duration.ofMinutes(1)));
    }

    @Test
    void aJobIsNotPolledBeforeTheProvidersHintAndIsAfterIt() {
        PollThrottle throttle = throttle(10);
        throttle.hint(a, Duration.ofSeconds(5), NOW);

        assertThat(throttle.tryStart(a, NOW.plusSeconds(4))).isFalse();
        assertThat(throttle.tryStart(b, NOW.plusSeconds(4))).isTrue();
        assertThat(throttle.tryStart(a, NOW.plusSeconds(5))).isTrue();
    }

    @Test
    void pollsBeyondTheInFlightBoundAreSkippedUntilOneFinishes() {
        PollThrottle throttle = throttle(1);

        assertThat(throttle.tryStart(a, NOW)).isTrue();
        assertThat(throttle.tryStart(b, NOW)).isFalse();
        throttle.finished(a);
        assertThat(throttle.tryStart(b, NOW)).isTrue();
    }

    @Test
    void aJobWhosePollIsStillWaitingIsNotPolledAgainUntilThatPollEnds() {
        PollThrottle throttle = throttle(10);

        assertThat(throttle.tryStart(a, NOW)).isTrue();
        assertThat(throttle.tryStart(a, NOW.plusSeconds(5))).as("the first poll waits out a provider window").isFalse();
        assertThat(throttle.tryStart(b, NOW.plusSeconds(5))).isTrue();
        throttle.finished(a);
        assertThat(throttle.tryStart(a, NOW.plusSeconds(6))).isTrue();
    }

    @Test
    void forgettingATaskDropsItsHint() {
        PollThrottle throttle = throttle(10);
        throttle.hint(a, Duration.ofMinutes(5), NOW);
        throttle.forget(a);

        assertThat(throttle.tryStart(a, NOW)).isTrue();
    }
}
