package dev.reelay.infra.content;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code reelay.content}: how finished content is copied from a provider into Reelay's archive. A copy is bounded
 * ({@code max-download-size}, {@code download-timeout}); copy-on-complete ({@code archive-on-complete}) runs as a
 * persistent job tried {@code archive-attempts} times with exponential backoff from {@code archive-first-backoff}.
 * The signed links under {@code reelay.content.signed-urls} are the security package's own record.
 *
 * @param archiveOnComplete read here for the configuration metadata; {@link ContentArchiver} is switched by a bean
 *                          condition on the same key, evaluated before any record is bound
 */
@Validated
@ConfigurationProperties("reelay.content")
public record ContentProperties(@NotNull @DefaultValue("512MB") DataSize maxDownloadSize,
                                @NotNull @DurationMin(seconds = 1) @DefaultValue("120s") Duration downloadTimeout,
                                @DefaultValue("true") boolean archiveOnComplete,
                                @Min(1) @DefaultValue("6") int archiveAttempts,
                                @NotNull @DurationMin(millis = 1) @DefaultValue("10s") Duration archiveFirstBackoff) {

    @AssertTrue(message = "max-download-size must be positive")
    boolean isMaxDownloadSizePositive() {
        return maxDownloadSize == null || maxDownloadSize.toBytes() > 0;
    }
}
