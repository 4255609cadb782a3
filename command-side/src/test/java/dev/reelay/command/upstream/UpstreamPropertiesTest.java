package dev.reelay.command.upstream;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(UpstreamProperties.class)
    static class Settings {
    }

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Settings.class);

    @Test
    void withNothingSetEveryDefaultComesFromTheRecord() {
        context.run(app -> assertThat(app.getBean(UpstreamProperties.class)).isEqualTo(new UpstreamProperties(4,
                Duration.ofSeconds(1), Duration.ofSeconds(30), 256, Duration.ofMinutes(2), 3, Duration.ofSeconds(10),
                Duration.ofMinutes(1))));
    }

    @Test
    void aCallWaitsForAProviderWindowAtMostHalfTheWatchdog() {
        context.withPropertyValues("reelay.upstream.max-window-wait=2m", "reelay.upstream.submission-watchdog=5s")
                .run(app -> assertThat(app.getBean(UpstreamProperties.class).windowWaitBound())
                        .isEqualTo(Duration.ofMillis(2500)));
        context.run(app -> assertThat(app.getBean(UpstreamProperties.class).windowWaitBound())
                .isEqualTo(Duration.ofMinutes(1)));
    }

    @Test
    void aRoundIsCheckedForTakeoverAtMostAsLateAsTheWatchdog() {
        context.withPropertyValues("reelay.upstream.submission-watchdog=5s")
                .run(app -> assertThat(app.getBean(UpstreamProperties.class).takeoverCheckBound())
                        .isEqualTo(Duration.ofSeconds(5)));
        context.run(app -> assertThat(app.getBean(UpstreamProperties.class).takeoverCheckBound())
                .isEqualTo(Duration.ofSeconds(10)));
    }

    @Test
    void aZeroTakeoverCheckStopsTheStart() {
        context.withPropertyValues("reelay.upstream.takeover-check=0s")
                .run(app -> assertThat(app).hasFailed());
    }

    @Test
    void zeroAttemptsPerProviderStopsTheStart() {
        context.withPropertyValues("reelay.upstream.attempts-per-provider=0")
                .run(app -> assertThat(app).hasFailed());
    }

    @Test
    void aMaxBackoffShorterThanTheFirstStopsTheStart() {
        context.withPropertyValues("reelay.upstream.first-backoff=10s", "reelay.upstream.max-backoff=1s")
                .run(app -> assertThat(app).hasFailed());
    }

    @Test
    void noPollsInFlightStopsTheStart() {
        context.withPropertyValues("reelay.upstream.max-in-flight-polls=0")
                .run(app -> assertThat(app).hasFailed());
    }
}
