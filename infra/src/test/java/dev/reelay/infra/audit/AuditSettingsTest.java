package dev.reelay.infra.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code reelay.audit} bound as Spring binds it, and the checkpoint key's file rules. */
class AuditSettingsTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(AuditProperties.class)
    @Import(CheckpointKey.class)
    static class Settings {
    }

    @TempDir
    Path dir;

    private ApplicationContextRunner context() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
                .withUserConfiguration(Settings.class)
                .withPropertyValues("reelay.audit.signing-key=" + dir.resolve("key.jwk"));
    }

    @Test
    void withOnlyAKeyFileTheDefaultsAreTheDocumentedOnesAndNoKeyIsMade() {
        context().run(started -> {
            assertThat(started).hasFailed();
            assertThat(started).getFailure().rootCause().hasMessageContaining("reelay.audit.signing-key")
                    .hasMessageContaining("audit-keygen");
            assertThat(dir.resolve("key.jwk")).doesNotExist();
        });
        context().withPropertyValues("reelay.audit.create-missing-key=true").run(started -> {
            AuditProperties audit = started.getBean(AuditProperties.class);
            assertThat(audit.chainInterval()).isEqualTo(Duration.ofSeconds(1));
            assertThat(audit.gapTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(audit.batch()).isEqualTo(5000);
            assertThat(audit.checkpointInterval()).isEqualTo(Duration.ofMinutes(1));
            assertThat(Files.readString(dir.resolve("key.jwk"))).contains("\"d\"");
        });
    }

    @Test
    void aKeyMadeByAuditKeygenIsTheOneCheckpointsAreSignedWith() {
        Path file = dir.resolve("key.jwk");
        assertThat(AuditCommands.run(new String[]{"audit-keygen", file.toString()})).isZero();
        assertThat(AuditCommands.run(new String[]{"audit-keygen", file.toString()})).as("never overwritten").isEqualTo(2);
        context().run(started -> {
            CheckpointKey key = started.getBean(CheckpointKey.class);
            String jws = key.sign("{\"chain\":\"reelay-audit-event/1\",\"position\":7,\"chainHash\":\"00\",\"events\":7,"
                    + "\"takenAt\":\"2026-12-02T00:00:00Z\"}");
            assertThat(CheckpointSignatures.verify(jws, key.publicJwk().toECKey())).get()
                    .extracting(AuditCheckpoints.Claims::position).isEqualTo(7L);
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "reelay.audit.chain-interval=0s      | chainInterval",
            "reelay.audit.gap-timeout=0s         | gapTimeout",
            "reelay.audit.batch=0                | batch",
            "reelay.audit.checkpoint-interval=0s | checkpointInterval"})
    void aSettingOutOfRangeStopsTheStartNamingIt(String setting, String named) {
        context().withPropertyValues(setting, "reelay.audit.create-missing-key=true").run(started ->
                assertThat(started).getFailure().rootCause().hasMessageContaining(named));
    }
}
