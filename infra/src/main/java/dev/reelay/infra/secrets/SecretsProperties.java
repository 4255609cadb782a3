package dev.reelay.infra.secrets;

import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code reelay.secrets}: the master key that wraps the data keys of managed upstream keys — 32 bytes in Base64, from
 * {@code master-key} (application.yml binds {@code REELAY_MASTER_KEY} to it) or the file {@code master-key-file} —
 * and how often a node looks for keys another node set ({@code poll-interval}). Without a master key, keys cannot be
 * set at run time; configured keys keep working.
 */
@Validated
@ConfigurationProperties("reelay.secrets")
public record SecretsProperties(String masterKey, Path masterKeyFile,
                                @DefaultValue("2s") @DurationMin(millis = 50) Duration pollInterval) {

    @Override
    public String toString() {
        return "SecretsProperties[masterKey=" + (masterKey == null || masterKey.isBlank() ? "none" : "***")
                + ", masterKeyFile=" + masterKeyFile + ", pollInterval=" + pollInterval + "]";
    }
}
