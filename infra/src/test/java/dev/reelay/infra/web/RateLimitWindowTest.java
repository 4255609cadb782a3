package dev.reelay.infra.web;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.TestPropertySource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the create limit means, with time moved by hand (the node's {@link Clock}), never slept: a burst of 3 at
 * once, then 6 a minute, so no 60 s window holds more than 3 + 6 creates however the caller paces them.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.rate-limit.per-user.burst=3", "reelay.rate-limit.per-user.refill-per-minute=6",
        "reelay.rate-limit.per-address.burst=100000", "reelay.rate-limit.per-address.refill-per-minute=100000"})
class RateLimitWindowTest {

    static final String BODY = "{\"prompt\":\"paced\",\"model\":\"sora-2\"}";

    @LocalServerPort
    int port;
    @Autowired
    ManualClock clock;

    @Test
    void aFullBucketAllowsTheBurstThenOneCreatePerRefillInterval() {
        HttpApi api = new HttpApi(port);
        String token = api.token("bursty-user");
        for (int i = 0; i < 3; i++) {
            assertThat(api.postJson("/api/video/tasks", token, BODY).status()).isEqualTo(201);
        }
        HttpApi.Response limited = api.postJson("/api/video/tasks", token, BODY);
        assertThat(limited.status()).isEqualTo(429);
        // 6 a minute: the next token is 10 s away
        assertThat(limited.header("Retry-After")).isEqualTo("10");

        clock.advance(Duration.ofSeconds(4));
        HttpApi.Response stillLimited = api.postJson("/api/video/tasks", token, BODY);
        assertThat(stillLimited.status()).isEqualTo(429);
        assertThat(stillLimited.header("Retry-After")).isEqualTo("6");

        clock.advance(Duration.ofSeconds(6));
        assertThat(api.postJson("/api/video/tasks", token, BODY).status()).isEqualTo(201);
        assertThat(api.postJson("/api/video/tasks", token, BODY).status()).isEqualTo(429);
    }

    @Test
    void noSixtySecondWindowHoldsMoreThanBurstPlusRefillHoweverTheCallerPacesIt() {
        HttpApi api = new HttpApi(port);
        String token = api.token("paced-user");
        Instant start = clock.instant();
        List<Instant> accepted = new ArrayList<>();
        // one try every 2.5 s for three minutes: four times the sustained rate
        for (int i = 0; i < 72; i++) {
            int status = api.postJson("/api/video/tasks", token, BODY).status();
            assertThat(status).isIn(201, 429);
            if (status == 201) {
                accepted.add(clock.instant());
            }
            clock.advance(Duration.ofMillis(2500));
        }
        int busiest = 0;
        for (Instant from = start; from.isBefore(start.plusSeconds(180)); from = from.plusMillis(500)) {
            Instant windowStart = from;
            long inWindow = accepted.stream()
                    .filter(t -> !t.isBefore(windowStart) && t.isBefore(windowStart.plusSeconds(60))).count();
            busiest = Math.max(busiest, (int) inWindow);
        }
        assertThat(busiest).as("creates in the busiest 60 s window").isLessThanOrEqualTo(3 + 6);
        // and the caller did get the whole sustained rate: burst, then 6 a minute for three minutes
        assertThat(accepted).hasSizeBetween(3 + 6 * 3 - 1, 3 + 6 * 3);
    }

    /** The node's clock, moved only by the test. */
    static final class ManualClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

        void advance(Duration by) {
            now.updateAndGet(t -> t.plus(by));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    @TestConfiguration
    static class ManualTime {
        @Bean
        @Primary
        ManualClock manualClock() {
            return new ManualClock();
        }
    }
}
