package dev.reelay.infra.web;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code reelay.rate-limit}: token buckets on creating tasks. A bucket holds {@code burst} tokens and gains
 * {@code refill-per-minute} a minute, so a caller gets at most {@code burst + refill-per-minute} creates in any
 * 60 s window and {@code refill-per-minute} a minute sustained. Per node: n nodes allow n times as much.
 */
@ConfigurationProperties("reelay.rate-limit")
record RateLimitProperties(Limit perUser, Limit perAddress) {

    RateLimitProperties {
        perUser = perUser == null ? new Limit(10L, 20L) : perUser;
        perAddress = perAddress == null ? new Limit(40L, 80L) : perAddress;
    }

    /** {@code burst}: creates allowed at once; {@code refillPerMinute}: tokens added back per minute. */
    record Limit(Long burst, Long refillPerMinute) {
        Limit {
            if (burst == null || burst < 1 || refillPerMinute == null || refillPerMinute < 1) {
                throw new IllegalArgumentException(
                        "reelay.rate-limit.*.burst and .refill-per-minute must both be set and at least 1");
            }
        }

        /** The most creates any 60 s window can hold: a full bucket plus one minute of refill. */
        long maxPerMinute() {
            return burst + refillPerMinute;
        }
    }
}
