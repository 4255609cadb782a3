package dev.reelay.infra.content;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code reelay.content-store.*} bound as Spring binds it: a directory by default, an S3 bucket only when complete. */
class ContentStoreSettingsTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(ContentStoreProperties.class)
    static class Settings {
    }

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Settings.class)
            .withPropertyValues("reelay.content-store.root=/var/lib/reelay/content");

    @Test
    void theFileSystemIsTheDefaultAndTheS3SettingsHaveTheDocumentedDefaults() {
        context.run(started -> {
            ContentStoreProperties store = started.getBean(ContentStoreProperties.class);
            assertThat(store.type()).isEqualTo(ContentStoreProperties.Type.FILESYSTEM);
            assertThat(store.root()).isEqualTo(Path.of("/var/lib/reelay/content"));
            assertThat(store.s3().region()).isEqualTo("us-east-1");
            assertThat(store.s3().pathStyle()).isFalse();
            assertThat(store.s3().endpoint()).isNull();
            assertThat(store.s3().keyPrefix()).isEmpty();
        });
    }

    @Test
    void anS3StoreWithoutABucketStopsTheStartNamingTheSetting() {
        context.withPropertyValues("reelay.content-store.type=s3").run(started ->
                assertThat(started).getFailure().rootCause().hasMessageContaining("reelay.content-store.s3.bucket"));
    }

    @Test
    void anAccessKeyWithoutItsSecretStopsTheStart() {
        context.withPropertyValues("reelay.content-store.type=s3", "reelay.content-store.s3.bucket=videos",
                "reelay.content-store.s3.access-key-id=AKIAEXAMPLE").run(started ->
                assertThat(started).getFailure().rootCause().hasMessageContaining("secret-access-key"));
    }

    @Test
    void theSecretKeyNeverShowsInTheSettingsText() {
        context.withPropertyValues("reelay.content-store.type=s3", "reelay.content-store.s3.bucket=videos",
                "reelay.content-store.s3.access-key-id=AKIAEXAMPLE", "reelay.content-store.s3.secret-access-key=hunter2-secret")
                .run(started -> {
                    ContentStoreProperties store = started.getBean(ContentStoreProperties.class);
                    assertThat(store.s3().secretAccessKey()).isEqualTo("hunter2-secret");
                    assertThat(store.toString()).doesNotContain("hunter2-secret").contains("AKIAEXAMPLE");
                });
    }
}
