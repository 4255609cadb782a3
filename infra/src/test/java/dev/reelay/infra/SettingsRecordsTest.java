package dev.reelay.infra;

import dev.reelay.infra.content.ContentProperties;
import dev.reelay.infra.content.RetentionProperties;
import dev.reelay.infra.guardrails.GuardrailProperties;
import dev.reelay.infra.idempotency.IdempotencyProperties;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Settings records bound the way Spring binds them, without application.yml: the defaults come from the records
 * alone, and a setting out of range stops the start naming it.
 */
class SettingsRecordsTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({ContentProperties.class, RetentionProperties.class, GuardrailProperties.class,
            IdempotencyProperties.class})
    static class Settings {
    }

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Settings.class);

    @Nested
    class WithNothingConfigured {

        @Test
        void contentAndRetentionHaveTheDocumentedDefaults() {
            context.run(started -> {
                ContentProperties content = started.getBean(ContentProperties.class);
                assertThat(content.maxDownloadSize()).isEqualTo(DataSize.ofMegabytes(512));
                assertThat(content.downloadTimeout()).isEqualTo(Duration.ofSeconds(120));
                assertThat(content.archiveOnComplete()).isTrue();
                assertThat(content.archiveAttempts()).isEqualTo(6);
                assertThat(content.archiveFirstBackoff()).isEqualTo(Duration.ofSeconds(10));
                RetentionProperties retention = started.getBean(RetentionProperties.class);
                assertThat(retention.completed()).isEqualTo(Duration.ofDays(30));
                assertThat(retention.failed()).isEqualTo(Duration.ofDays(7));
                assertThat(retention.cancelled()).isEqualTo(Duration.ofDays(7));
                assertThat(retention.sweepInterval()).isEqualTo(Duration.ofHours(1));
                assertThat(retention.batch()).isEqualTo(500);
                assertThat(started.getBean(IdempotencyProperties.class).ttl()).isEqualTo(Duration.ofHours(24));
            });
        }

        @Test
        void guardrailsHaveTheDocumentedDefaultsAndEveryModelCostsOnePerSecond() {
            context.run(started -> {
                GuardrailProperties guardrails = started.getBean(GuardrailProperties.class);
                assertThat(guardrails.maxConcurrent()).isEqualTo(4);
                assertThat(guardrails.quotaPeriod()).isEqualTo(Duration.ofDays(1));
                assertThat(guardrails.quotaVideoSeconds()).isEqualByComparingTo("600");
                assertThat(guardrails.accountCache()).isTrue();
                assertThat(guardrails.priceFactor("sora-2-pro", "1024x1792")).isEqualByComparingTo("1");
            });
        }
    }

    @Test
    void configuredPriceFactorsArePricedByModelAndSize() {
        context.withPropertyValues("reelay.guardrails.quota.price-factors[0].model=sora-2-pro",
                "reelay.guardrails.quota.price-factors[0].factor=3",
                "reelay.guardrails.quota.price-factors[1].model=sora-2-pro",
                "reelay.guardrails.quota.price-factors[1].size=1024x1792",
                "reelay.guardrails.quota.price-factors[1].factor=5").run(started -> {
            GuardrailProperties guardrails = started.getBean(GuardrailProperties.class);
            assertThat(guardrails.priceFactor("sora-2-pro", "1024x1792")).isEqualByComparingTo("5");
            assertThat(guardrails.priceFactor("sora-2-pro", "720x1280")).isEqualByComparingTo("3");
            assertThat(guardrails.priceFactor("sora-2", "720x1280")).isEqualByComparingTo("1");
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "reelay.content.archive-attempts=0     | archiveAttempts",
            "reelay.content.max-download-size=0B   | max-download-size must be positive",
            "reelay.retention.failed=-1s           | failed",
            "reelay.retention.batch=0              | batch",
            "reelay.idempotency.ttl=0s             | ttl",
            "reelay.guardrails.max-concurrent=-1   | maxConcurrent",
            "reelay.guardrails.quota.period=0s     | period"})
    void aSettingOutOfRangeStopsTheStartNamingIt(String setting, String named) {
        context.withPropertyValues(setting).run(started ->
                assertThat(started).getFailure().rootCause().hasMessageContaining(named));
    }
}
