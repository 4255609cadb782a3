package dev.reelay.infra.webhook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code reelay.webhooks.*} bound as Spring binds it, without application.yml: the record's defaults and bounds. */
class WebhookPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(WebhookProperties.class)
    static class Settings {
    }

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Settings.class);

    @Test
    void withNothingConfiguredTheDocumentedDefaultsApplyAndTheScheduleSpansMoreThanADay() {
        context.run(started -> {
            WebhookProperties webhooks = started.getBean(WebhookProperties.class);
            assertThat(webhooks.retrySchedule()).containsExactly(Duration.ofSeconds(5), Duration.ofMinutes(5),
                    Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));
            assertThat(webhooks.retrySchedule().stream().reduce(Duration.ZERO, Duration::plus)).isGreaterThan(Duration.ofHours(24));
            assertThat(webhooks.jitter()).isEqualTo(0.2);
            assertThat(webhooks.maxRetryAfter()).isEqualTo(Duration.ofHours(24));
            assertThat(webhooks.disableAfterFailures()).isEqualTo(50);
            assertThat(webhooks.pollInterval()).isEqualTo(Duration.ofSeconds(1));
            assertThat(webhooks.lease()).isEqualTo(Duration.ofMinutes(2));
            assertThat(webhooks.senders()).isEqualTo(4);
            assertThat(webhooks.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(webhooks.readTimeout()).isEqualTo(Duration.ofSeconds(15));
            assertThat(webhooks.rotationOverlap()).isEqualTo(Duration.ofHours(24));
            assertThat(webhooks.secretKey()).isEmpty();
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "reelay.webhooks.retry-schedule=5s,-1s     | retry-schedule waits must not be negative",
            "reelay.webhooks.jitter=0.9                | jitter",
            "reelay.webhooks.disable-after-failures=0  | disableAfterFailures",
            "reelay.webhooks.senders=0                 | senders",
            "reelay.webhooks.lease=10s                 | lease must be longer than connect-timeout + read-timeout",
            "reelay.webhooks.secret-key=c2hvcnQ=       | secret-key must be empty or base64 of 16, 24 or 32 bytes"})
    void aSettingOutOfRangeStopsTheStartNamingIt(String setting, String named) {
        context.withPropertyValues(setting).run(started ->
                assertThat(started).getFailure().rootCause().hasMessageContaining(named));
    }

    @Test
    void aSecretSealedUnderTheConfiguredKeyOpensOnlyForItsEndpointAndOnlyUnderThatKey() {
        String keyA = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        String keyB = "HxweHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=";
        context.withPropertyValues("reelay.webhooks.secret-key=" + keyA).run(a ->
                context.withPropertyValues("reelay.webhooks.secret-key=" + keyB).run(b -> {
                    SecretBox boxA = new SecretBox(null, a.getBean(WebhookProperties.class));
                    SecretBox boxB = new SecretBox(null, b.getBean(WebhookProperties.class));
                    byte[] sealed = boxA.seal("whep_1", "whsec_c2VjcmV0");
                    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("c2VjcmV0");
                    assertThat(boxA.open("whep_1", sealed)).isEqualTo("whsec_c2VjcmV0");
                    assertThatThrownBy(() -> boxA.open("whep_2", sealed)).isInstanceOf(IllegalStateException.class);
                    assertThatThrownBy(() -> boxB.open("whep_1", sealed)).isInstanceOf(IllegalStateException.class);
                }));
    }
}
