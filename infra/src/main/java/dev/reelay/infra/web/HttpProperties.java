package dev.reelay.infra.web;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * Bounds on how a request may arrive. A connection that sends nothing for {@code idleTimeout} is closed by Tomcat;
 * headers must be complete within {@code headerTimeout}; a body must arrive within {@code bodyTimeout} and, after
 * {@code minRateGrace}, at {@code minBodyRate} per second at least. One client address may have at most
 * {@code maxSlowRequestsPerAddress} request bodies (or header blocks) that have been arriving for longer than
 * {@code slowAfter} at once.
 */
@Validated
@ConfigurationProperties("reelay.http")
public record HttpProperties(DataSize maxBodySize, Duration idleTimeout, Duration keepAliveTimeout,
                             Duration headerTimeout, Duration bodyTimeout, DataSize minBodyRate,
                             Duration minRateGrace, Duration slowAfter, @Min(1) Integer maxSlowRequestsPerAddress) {

    public HttpProperties {
        maxBodySize = maxBodySize == null ? DataSize.ofMegabytes(8) : maxBodySize;
        idleTimeout = positive(idleTimeout, Duration.ofSeconds(10), "idle-timeout");
        keepAliveTimeout = positive(keepAliveTimeout, Duration.ofSeconds(15), "keep-alive-timeout");
        headerTimeout = positive(headerTimeout, Duration.ofSeconds(10), "header-timeout");
        bodyTimeout = positive(bodyTimeout, Duration.ofSeconds(120), "body-timeout");
        minBodyRate = minBodyRate == null ? DataSize.ofKilobytes(1) : minBodyRate;
        minRateGrace = positive(minRateGrace, Duration.ofSeconds(5), "min-rate-grace");
        slowAfter = positive(slowAfter, Duration.ofSeconds(1), "slow-after");
        maxSlowRequestsPerAddress = maxSlowRequestsPerAddress == null ? 16 : maxSlowRequestsPerAddress;
    }

    private static Duration positive(Duration value, Duration fallback, String name) {
        if (value == null) {
            return fallback;
        }
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("reelay.http." + name + " must be positive");
        }
        return value;
    }

    /** Whether a body that has delivered {@code bytes} in {@code elapsedNanos} is too slow or too late. */
    boolean tooSlow(long bytes, long elapsedNanos) {
        if (elapsedNanos > bodyTimeout.toNanos()) {
            return true;
        }
        return elapsedNanos > minRateGrace.toNanos() && bytes < minBodyRate.toBytes() * (elapsedNanos / 1_000_000_000.0);
    }
}
