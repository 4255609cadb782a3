package dev.reelay.infra.idempotency;

import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/** {@code reelay.idempotency.ttl}: how long an {@code Idempotency-Key} and the answer it replays are kept. */
@Validated
@ConfigurationProperties("reelay.idempotency")
public record IdempotencyProperties(@NotNull @DurationMin(seconds = 1) @DefaultValue("24h") Duration ttl) {
}
