package dev.reelay.infra.provider;

import dev.reelay.command.upstream.UpstreamException;
import dev.reelay.command.upstream.UpstreamProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * When a call to a provider may go out, decided for every node alike by one row per provider in PostgreSQL (ADR 0012):
 * not before the end of the latest {@code Retry-After} window the provider opened with a 429 or 503, and, with a
 * {@code max-requests-per-minute} cap, not before the next free slot (slots are {@code 60 s / cap} apart). Every call
 * to a provider passes here, whatever its wire format: create, remix, retrieve, delete and content downloads. A call
 * waits out the window (no thread is held); a window longer than {@code reelay.upstream.max-window-wait} is refused
 * as a transient failure that carries the remaining time as its {@code Retry-After}, without calling the provider
 * (the bound is at most half the submission watchdog).
 *
 * <p>Instants are the database's ({@code statement_timestamp()}): a window spans nodes, so it is measured by the one
 * clock they all share, not by each node's.
 */
@Component
public class ProviderGate {

    private static final Logger log = LoggerFactory.getLogger(ProviderGate.class);

    private final JdbcTemplate jdbc;
    private final Duration maxWait;
    private final MeterRegistry meters;

    ProviderGate(JdbcTemplate jdbc, UpstreamProperties settings, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.maxWait = settings.windowWaitBound();
        this.meters = meters;
    }

    /**
     * Completes when a call to the provider may go out now: after the provider's window and, with a cap, after the
     * slot reserved for this call. Fails with a transient {@link UpstreamException} when that is further away than
     * {@code max-window-wait}.
     */
    public Mono<Void> admit(String providerId, Integer maxRequestsPerMinute) {
        return Mono.fromCallable(() -> reserve(providerId, maxRequestsPerMinute))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(wait -> waitThenRecheck(providerId, wait));
    }

    /** The blocking form, for callers that already run on a thread of their own (content downloads). */
    public void admitBlocking(String providerId, Integer maxRequestsPerMinute) {
        admit(providerId, maxRequestsPerMinute).block();
    }

    /** A reserved slot is kept; only the window is read again after the wait, as another 429 may have widened it. */
    private Mono<Void> waitThenRecheck(String providerId, Duration wait) {
        if (wait.isZero()) {
            return Mono.empty();
        }
        meters.counter("reelay.provider.gate.waits", "provider", providerId).increment();
        return Mono.delay(wait)
                .then(Mono.fromCallable(() -> windowLeft(providerId)).subscribeOn(Schedulers.boundedElastic()))
                .flatMap(left -> waitThenRecheck(providerId, checked(providerId, left)));
    }

    private Duration reserve(String providerId, Integer maxRequestsPerMinute) {
        if (maxRequestsPerMinute == null) {
            return checked(providerId, windowLeft(providerId));
        }
        double slotSeconds = 60.0 / maxRequestsPerMinute;
        // one statement, so two nodes can never take the same slot: the row lock orders them
        List<Long> reserved = jdbc.queryForList("""
                        insert into provider_gate as g (provider_id, next_slot)
                        values (?, statement_timestamp() + make_interval(secs => ?))
                        on conflict (provider_id) do update
                           set next_slot = greatest(g.next_slot, g.not_before, statement_timestamp()) + make_interval(secs => ?)
                         where greatest(g.next_slot, g.not_before, statement_timestamp())
                               <= statement_timestamp() + make_interval(secs => ?)
                        returning (extract(epoch from (g.next_slot - make_interval(secs => ?) - statement_timestamp())) * 1000)::bigint
                        """, Long.class, providerId, slotSeconds, slotSeconds, maxWait.toMillis() / 1000.0, slotSeconds);
        if (reserved.isEmpty()) {
            Long left = jdbc.queryForObject("""
                    select (extract(epoch from (greatest(next_slot, not_before, statement_timestamp())
                            - statement_timestamp())) * 1000)::bigint
                      from provider_gate where provider_id = ?
                    """, Long.class, providerId);
            throw refused(providerId, Duration.ofMillis(left == null ? 0 : left));
        }
        return Duration.ofMillis(Math.max(0, reserved.get(0)));
    }

    private Duration windowLeft(String providerId) {
        List<Long> left = jdbc.queryForList("""
                select (extract(epoch from (greatest(not_before, statement_timestamp()) - statement_timestamp())) * 1000)::bigint
                  from provider_gate where provider_id = ?
                """, Long.class, providerId);
        return left.isEmpty() ? Duration.ZERO : Duration.ofMillis(Math.max(0, left.get(0)));
    }

    private Duration checked(String providerId, Duration wait) {
        if (wait.compareTo(maxWait) > 0) {
            throw refused(providerId, wait);
        }
        return wait;
    }

    private UpstreamException refused(String providerId, Duration wait) {
        meters.counter("reelay.provider.gate.refusals", "provider", providerId).increment();
        return new UpstreamException(UpstreamException.Kind.TRANSIENT, 0, null,
                providerId + " asked to wait " + wait.toMillis() + " ms more; not called", wait);
    }

    /**
     * Opens (or widens) the provider's window after an answer that asks every caller to come back later: a 429 or
     * 503 with {@code Retry-After} (or {@code retry-after-ms}). Any other answer leaves the window as it is and
     * completes at once, without a trip to a blocking thread.
     */
    public Mono<Void> holdIfAsked(String providerId, int status, HttpHeaders headers, Clock clock) {
        if (status != 429 && status != 503) {
            return Mono.empty();
        }
        Duration retryAfter = RetryAfter.of(headers, clock.instant());
        if (retryAfter == null || retryAfter.isZero()) {
            return Mono.empty();
        }
        return Mono.<Void>fromRunnable(() -> hold(providerId, retryAfter)).subscribeOn(Schedulers.boundedElastic());
    }

    void hold(String providerId, Duration retryAfter) {
        jdbc.update("""
                insert into provider_gate as g (provider_id, not_before)
                values (?, statement_timestamp() + make_interval(secs => ?))
                on conflict (provider_id) do update set not_before = greatest(g.not_before, excluded.not_before)
                """, providerId, retryAfter.toMillis() / 1000.0);
        log.info("{} asked to wait {} ms: no node calls it before then", providerId, retryAfter.toMillis());
    }
}
