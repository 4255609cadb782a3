package dev.reelay.infra.audit;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code reelay.audit} (ADR 0011): how often the chaining step runs, how long a hole in the event sequence may stay
 * open before it is taken as a rolled-back transaction, how many events one transaction chains, how often the head is
 * signed, and the file holding the checkpoint key. The key file's default follows the data directory, so it is in
 * application.yml; {@code create-missing-key} (a development key made on first start) is switched on there for the
 * default profile only.
 */
@Validated
@ConfigurationProperties("reelay.audit")
public record AuditProperties(@NotNull @DurationMin(millis = 10) @DefaultValue("1s") Duration chainInterval,
                              @NotNull @DurationMin(millis = 1) @DefaultValue("10s") Duration gapTimeout,
                              @Min(1) @Max(100_000) @DefaultValue("5000") int batch,
                              @NotNull @DurationMin(seconds = 1) @DefaultValue("1m") Duration checkpointInterval,
                              @NotNull Path signingKey,
                              @DefaultValue("false") boolean createMissingKey) {
}
