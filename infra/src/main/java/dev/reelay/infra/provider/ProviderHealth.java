package dev.reelay.infra.provider;

import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * How each provider has answered lately, on this node, for routing only: failures (5xx, 429, transport errors) in
 * the last {@link #WINDOW}, and an open rate-limit window until a 429's {@code Retry-After} has passed. Routing puts
 * a provider with an open window after the others, and among equals the one with fewer recent failures first.
 */
@Component
class ProviderHealth {

    static final Duration WINDOW = Duration.ofMinutes(5);

    private final Clock clock;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();
    private final Map<String, Instant> limitedUntil = new ConcurrentHashMap<>();

    ProviderHealth(Clock clock) {
        this.clock = clock;
    }

    /** What one call's answer says: an HTTP status (0 or null for a transport failure) and any Retry-After. */
    void observe(String providerId, Integer status, Duration retryAfter) {
        Instant now = clock.instant();
        boolean failed = status == null || status == 0 || status == 429 || status >= 500;
        if (failed) {
            Deque<Instant> recent = failures.computeIfAbsent(providerId, id -> new ConcurrentLinkedDeque<>());
            recent.addLast(now);
            prune(recent, now);
        }
        if (status != null && status == 429 && retryAfter != null) {
            limitedUntil.merge(providerId, now.plus(retryAfter), (a, b) -> a.isAfter(b) ? a : b);
        }
    }

    /** A provider's state now. */
    record State(int recentFailures, Instant rateLimitedUntil) {
        boolean rateLimited(Instant now) {
            return rateLimitedUntil != null && now.isBefore(rateLimitedUntil);
        }
    }

    State of(String providerId) {
        Instant now = clock.instant();
        Deque<Instant> recent = failures.get(providerId);
        if (recent != null) {
            prune(recent, now);
        }
        Instant until = limitedUntil.get(providerId);
        return new State(recent == null ? 0 : recent.size(), until != null && now.isBefore(until) ? until : null);
    }

    private static void prune(Deque<Instant> recent, Instant now) {
        Instant cutoff = now.minus(WINDOW);
        while (!recent.isEmpty() && recent.peekFirst().isBefore(cutoff)) {
            recent.pollFirst();
        }
    }
}
