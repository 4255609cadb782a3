package dev.reelay.infra.content;

import dev.reelay.command.port.RetentionPolicy;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code reelay.retention}: the ages of the {@link RetentionPolicy} (a task that ended as completed, failed or
 * cancelled is kept this long), how often the sweep looks, and how many tasks of one status it expires per run.
 */
@Validated
@ConfigurationProperties("reelay.retention")
public record RetentionProperties(@NotNull @DurationMin(millis = 1) @DefaultValue("30d") Duration completed,
                                  @NotNull @DurationMin(millis = 1) @DefaultValue("7d") Duration failed,
                                  @NotNull @DurationMin(millis = 1) @DefaultValue("7d") Duration cancelled,
                                  @NotNull @DurationMin(millis = 1) @DefaultValue("1h") Duration sweepInterval,
                                  @Min(1) @DefaultValue("500") int batch) {

    RetentionPolicy policy() {
        return new RetentionPolicy(completed, failed, cancelled);
    }
}
