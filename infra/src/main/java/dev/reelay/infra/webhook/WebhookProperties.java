package dev.reelay.infra.webhook;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * {@code reelay.webhooks}: outbound webhooks for client systems.
 *
 * @param retrySchedule        the wait after the 1st, 2nd, … failed attempt of one delivery; after the last the delivery
 *                             is FAILED. The default spans about 27 h
 * @param jitter               each wait is moved by up to this fraction either way, so receivers that failed together
 *                             are not retried together
 * @param maxRetryAfter        a receiver's {@code Retry-After} lengthens a wait up to this much
 * @param disableAfterFailures failed attempts in a row (any delivery) after which an endpoint is disabled
 * @param pollInterval         how often each node looks for due deliveries
 * @param lease                how long a claimed delivery is reserved for its node; a node that dies mid-send frees it
 *                             after this
 * @param senders              deliveries sent at once per node
 * @param connectTimeout       connect bound of one attempt
 * @param readTimeout          bound of one attempt from the request to the response headers
 * @param rotationOverlap      how long the previous secret still signs after a rotation
 * @param secretKey            base64 AES key (16, 24 or 32 bytes) that encrypts the endpoints' secrets in PostgreSQL;
 *                             empty: a key made once and kept in the database (a dump then holds both)
 */
@Validated
@ConfigurationProperties("reelay.webhooks")
public record WebhookProperties(
        @NotEmpty @DefaultValue({"5s", "5m", "30m", "2h", "5h", "10h", "10h"}) List<@NotNull Duration> retrySchedule,
        @DecimalMin("0") @DecimalMax("0.5") @DefaultValue("0.2") double jitter,
        @NotNull @DefaultValue("24h") Duration maxRetryAfter,
        @Min(1) @DefaultValue("50") int disableAfterFailures,
        @NotNull @DurationMin(millis = 10) @DefaultValue("1s") Duration pollInterval,
        @NotNull @DurationMin(seconds = 1) @DefaultValue("2m") Duration lease,
        @Min(1) @Max(64) @DefaultValue("4") int senders,
        @NotNull @DurationMin(millis = 100) @DefaultValue("5s") Duration connectTimeout,
        @NotNull @DurationMin(millis = 100) @DefaultValue("15s") Duration readTimeout,
        @NotNull @DefaultValue("24h") Duration rotationOverlap,
        @DefaultValue("") String secretKey) {

    @AssertTrue(message = "retry-schedule waits must not be negative")
    boolean isRetryScheduleNonNegative() {
        return retrySchedule == null || retrySchedule.stream().allMatch(d -> d == null || !d.isNegative());
    }

    @AssertTrue(message = "lease must be longer than connect-timeout + read-timeout")
    boolean isLeaseLongEnough() {
        return lease == null || connectTimeout == null || readTimeout == null
                || lease.compareTo(connectTimeout.plus(readTimeout)) > 0;
    }

    @AssertTrue(message = "secret-key must be empty or base64 of 16, 24 or 32 bytes")
    boolean isSecretKeyUsable() {
        if (secretKey == null || secretKey.isBlank()) {
            return true;
        }
        try {
            int length = Base64.getDecoder().decode(secretKey.trim()).length;
            return length == 16 || length == 24 || length == 32;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
