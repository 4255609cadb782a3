package dev.reelay.infra.provider;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** What routing knows of a provider's recent answers: failures in the last five minutes, an open 429 window. */
class ProviderHealthTest {

    private Instant now = Instant.parse("2026-12-02T10:00:00Z");
    private final ProviderHealth health = new ProviderHealth(new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    });

    @Test
    void serverErrorsRateLimitsAndTransportFailuresCountButSuccessesAndRefusalsDoNot() {
        health.observe("p", 500, null);
        health.observe("p", 429, null);
        health.observe("p", 0, null);
        health.observe("p", 400, null);
        health.observe("p", 200, null);

        assertThat(health.of("p").recentFailures()).isEqualTo(3);
        assertThat(health.of("other").recentFailures()).isZero();
    }

    @Test
    void aRateLimitWithRetryAfterOpensAWindowUntilItHasPassed() {
        health.observe("p", 429, Duration.ofSeconds(30));

        assertThat(health.of("p").rateLimited(now)).isTrue();
        assertThat(health.of("p").rateLimitedUntil()).isEqualTo(now.plusSeconds(30));
        now = now.plusSeconds(31);
        assertThat(health.of("p").rateLimited(now)).isFalse();
        assertThat(health.of("p").rateLimitedUntil()).isNull();
    }

    @Test
    void failuresOlderThanFiveMinutesNoLongerCount() {
        health.observe("p", 503, null);
        now = now.plus(Duration.ofMinutes(4));
        health.observe("p", 503, null);
        now = now.plus(Duration.ofMinutes(2));

        assertThat(health.of("p").recentFailures()).isEqualTo(1);
    }
}
