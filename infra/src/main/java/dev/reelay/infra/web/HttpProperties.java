package dev.reelay.infra.web;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * Bounds on how a request may arrive. A connection that sends nothing for {@code idleTimeout} is closed by Tomcat;
 * headers must be complete within {@code headerTimeout}; a body must arrive within {@code bodyTimeout} and, after
 * {@code minRateGrace}, at {@code minBodyRate} per second at least. One client address may have at most
 * {@code maxSlowRequestsPerAddress} request bodies (or header blocks) that have been arriving for longer than
 * {@code slowAfter} at once. On SIGTERM the node serves on for {@code shutdownDrain}, reported not ready, closing each
 * answered connection ({@link ShutdownDrain}), before Tomcat's graceful shutdown.
 *
 * @param maxBodySize set in application.yml only: {@code spring.servlet.multipart.max-request-size} reads it from
 *                    there
 */
@Validated
@ConfigurationProperties("reelay.http")
public record HttpProperties(@NotNull DataSize maxBodySize,
                             @NotNull @DurationMin(nanos = 1) @DefaultValue("10s") Duration idleTimeout,
                             @NotNull @DurationMin(nanos = 1) @DefaultValue("15s") Duration keepAliveTimeout,
                             @NotNull @DurationMin(nanos = 1) @DefaultValue("10s") Duration headerTimeout,
                             @NotNull @DurationMin(nanos = 1) @DefaultValue("120s") Duration bodyTimeout,
                             @NotNull @DefaultValue("1KB") DataSize minBodyRate,
                             @NotNull @DurationMin(nanos = 1) @DefaultValue("5s") Duration minRateGrace,
                             @NotNull @DurationMin(nanos = 1) @DefaultValue("1s") Duration slowAfter,
                             @Min(1) @DefaultValue("16") int maxSlowRequestsPerAddress,
                             @NotNull @DefaultValue("0s") Duration shutdownDrain) {

    /** Whether a body that has delivered {@code bytes} in {@code elapsedNanos} is too slow or too late. */
    boolean tooSlow(long bytes, long elapsedNanos) {
        if (elapsedNanos > bodyTimeout.toNanos()) {
            return true;
        }
        return elapsedNanos > minRateGrace.toNanos() && bytes < minBodyRate.toBytes() * (elapsedNanos / 1_000_000_000.0);
    }
}
