package dev.reelay.infra.consistency;

import dev.reelay.query.consistency.ConsistencyBound;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code reelay.consistency}: how long a write waits for the read models to show it ({@code write-wait}) before it
 * answers anyway (ADR 0009); zero answers at once. The account's balance read waits as long for the account's last
 * event.
 */
@Validated
@ConfigurationProperties("reelay.consistency")
public record ConsistencyProperties(@NotNull @DurationMin(seconds = 0) @DefaultValue("5s") Duration writeWait)
        implements ConsistencyBound {
}
