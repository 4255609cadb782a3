package dev.reelay.infra.provider;

import org.springframework.http.HttpHeaders;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** How long a server asked to be left alone: read the same way from providers and from client webhook receivers. */
public final class RetryAfter {

    private RetryAfter() {
    }

    /** {@code retry-after-ms}, or {@code Retry-After} in seconds or as an HTTP date (counted from {@code now}). */
    public static Duration of(HttpHeaders headers, Instant now) {
        String ms = headers.getFirst("retry-after-ms");
        if (ms != null && ms.trim().matches("\\d{1,9}")) {
            return Duration.ofMillis(Long.parseLong(ms.trim()));
        }
        String value = headers.getFirst(HttpHeaders.RETRY_AFTER);
        if (value == null) {
            return null;
        }
        value = value.trim();
        if (value.matches("\\d{1,7}")) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        try {
            Duration until = Duration.between(now, ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return until.isNegative() ? Duration.ZERO : until;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
