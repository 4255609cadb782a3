package dev.reelay.infra.guardrails;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The guardrail defaults come from the record alone; configured price factors feed the command-side price list. */
class GuardrailSettingsTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(GuardrailProperties.class)
    static class Settings {
    }

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Settings.class);

    @Test
    void withNothingConfiguredTheDocumentedDefaultsApply() {
        context.run(started -> {
            GuardrailProperties guardrails = started.getBean(GuardrailProperties.class);
            assertThat(guardrails.maxConcurrent()).isEqualTo(4);
            assertThat(guardrails.quotaPeriod()).isEqualTo(Duration.ofDays(1));
            assertThat(guardrails.quotaVideoSeconds()).isEqualByComparingTo("600");
            assertThat(guardrails.accountCache()).isTrue();
            assertThat(guardrails.priceFactor("sora-2-pro", "1024x1792")).isEqualByComparingTo("1");
        });
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

    @Test
    void aNegativeCapOrAnEmptyPeriodStopsTheStart() {
        context.withPropertyValues("reelay.guardrails.max-concurrent=-1").run(started ->
                assertThat(started).getFailure().rootCause().hasMessageContaining("maxConcurrent"));
        context.withPropertyValues("reelay.guardrails.quota.period=0s").run(started ->
                assertThat(started).getFailure().rootCause().hasMessageContaining("period"));
    }
}
