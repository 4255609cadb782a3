package dev.reelay.infra.content;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The content and retention settings bind with their defaults from the records alone, and refuse nonsense at start. */
class ContentSettingsTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({ContentProperties.class, RetentionProperties.class})
    static class Settings {
    }

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Settings.class);

    @Test
    void withNothingConfiguredTheDocumentedDefaultsApply() {
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
        });
    }

    @Test
    void aZeroOrNegativeSettingStopsTheStartNamingTheKey() {
        context.withPropertyValues("reelay.content.archive-attempts=0").run(started ->
                assertThat(started).getFailure().rootCause().hasMessageContaining("archiveAttempts"));
        context.withPropertyValues("reelay.content.max-download-size=0B").run(started ->
                assertThat(started).getFailure().rootCause().hasMessageContaining("max-download-size must be positive"));
        context.withPropertyValues("reelay.retention.failed=-1s").run(started ->
                assertThat(started).getFailure().rootCause().hasMessageContaining("failed"));
        context.withPropertyValues("reelay.retention.batch=0").run(started ->
                assertThat(started).getFailure().rootCause().hasMessageContaining("batch"));
    }
}
