package dev.reelay.infra.web;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code reelay.rate-limit}: token buckets on creating tasks. A bucket holds {@code burst} tokens and gains
 * {@code refill-per-minute} a minute, so a caller gets at most {@code burst + refill-per-minute} creates in any
 * 60 s window and {@code refill-per-minute} a minute sustained, counted across all nodes (the buckets are in PostgreSQL;
 * a burst of 100 or more lets each node spend 1 % of it before writing back, so up to that much more per node).
 */
@Validated
@ConfigurationProperties("reelay.rate-limit")
public record RateLimitProperties(@Valid @DefaultValue PerUser perUser, @Valid @DefaultValue PerAddress perAddress) {

    /** {@code burst}: creates allowed at once; {@code refillPerMinute}: tokens added back per minute. */
    public interface Limit {
        long burst();

        long refillPerMinute();

        /** The most creates any 60 s window can hold: a full bucket plus one minute of refill. */
        default long maxPerMinute() {
            return burst() + refillPerMinute();
        }
    }

    /** Per caller ({@code sub}); a type of its own per bucket, because each bucket has its own defaults. */
    public record PerUser(@Min(1) @DefaultValue("10") long burst, @Min(1) @DefaultValue("20") long refillPerMinute)
            implements Limit {
    }

    /** Per client address. */
    public record PerAddress(@Min(1) @DefaultValue("40") long burst, @Min(1) @DefaultValue("80") long refillPerMinute)
            implements Limit {
    }
}
