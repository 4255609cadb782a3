package dev.reelay.infra.consistency;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * {@code reelay.consistency}: how long a write waits for the read models to show it ({@code write-wait}) before it
 * answers anyway (ADR 0009).
 */
@ConfigurationProperties("reelay.consistency")
public record ConsistencyProperties(@DefaultValue("5s") Duration writeWait) {

    public ConsistencyProperties {
        if (writeWait.isNegative()) {
            throw new IllegalArgumentException("reelay.consistency.write-wait must not be negative");
        }
    }
}
