package dev.reelay.infra.webhook;

import dev.reelay.kernel.account.OwnerScope;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * The persistent delivery queue ({@code webhook_delivery}). A node claims due messages with a lease, in a short
 * transaction ({@code FOR UPDATE SKIP LOCKED}, so nodes never claim the same one), sends them outside any transaction
 * and records the outcome. Only the oldest PENDING message of an endpoint and task is ever due, so a task's messages
 * reach an endpoint in the order of their events, also while one of them is being retried.
 */
@Component
class DeliveryQueue {

    static final int MAX_LIST = 200;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final WebhookProperties properties;
    private final Clock clock;

    DeliveryQueue(JdbcTemplate jdbc, TransactionTemplate transactions, WebhookProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.properties = properties;
        this.clock = clock;
    }

    /** Joins the caller's transaction (the feed's, with its token). */
    void enqueue(String endpointId, String owner, String eventId, WebhookEventType type, String videoId, long position,
                 String body) {
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.update("insert into webhook_delivery(id, endpoint_id, owner, event_id, event_type, video_id, position, payload, "
                        + "status, next_attempt_at, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?) "
                        + "on conflict on constraint webhook_delivery_once do nothing",
                "msg_" + UUID.randomUUID().toString().replace("-", ""), endpointId, owner, eventId, type.wire, videoId,
                position, body, now, now);
    }

    /** A claimed message with what its attempt needs. */
    record Claimed(String id, String endpointId, String url, String payload, int step, byte[] secret,
                   byte[] previousSecret, Instant previousSecretUntil, Instant lease) {
    }

    List<Claimed> claim(int limit) {
        Instant now = clock.instant();
        // whole milliseconds: read back from PostgreSQL unchanged, so the outcome can name the lease it holds
        Instant lease = now.plus(properties.lease()).truncatedTo(ChronoUnit.MILLIS);
        return transactions.execute(tx -> jdbc.query("""
                        with due as (
                            select c.id from webhook_delivery c join webhook_endpoint e on e.id = c.endpoint_id
                            where c.status = 'PENDING' and c.next_attempt_at <= ? and (c.lease_until is null or c.lease_until < ?)
                              and e.enabled
                              and not exists (select 1 from webhook_delivery p where p.endpoint_id = c.endpoint_id
                                              and p.video_id = c.video_id and p.status = 'PENDING' and p.position < c.position)
                            order by c.next_attempt_at, c.position
                            limit ?
                            for update of c skip locked)
                        update webhook_delivery d set lease_until = ?
                        from due, webhook_endpoint e
                        where d.id = due.id and e.id = d.endpoint_id
                        returning d.id, d.endpoint_id, e.url, d.payload, d.step, e.secret, e.previous_secret, e.previous_secret_until
                        """,
                (rs, n) -> {
                    Timestamp until = rs.getTimestamp("previous_secret_until");
                    return new Claimed(rs.getString("id"), rs.getString("endpoint_id"), rs.getString("url"),
                            rs.getString("payload"), rs.getInt("step"), rs.getBytes("secret"),
                            rs.getBytes("previous_secret"), until == null ? null : until.toInstant(), lease);
                },
                Timestamp.from(now), Timestamp.from(now), limit, Timestamp.from(lease)));
    }

    /** What one attempt came to. */
    record Outcome(Integer statusCode, long latencyMs, String response, String error, Duration retryAfter) {
        boolean accepted() {
            return statusCode != null && statusCode >= 200 && statusCode < 300;
        }
    }

    /**
     * Logs the attempt; moves the message and its endpoint only while the claim's lease is still this one (after it
     * ran out another node may have sent the message again, and that node's outcome counts).
     */
    void record(Claimed delivery, Outcome outcome) {
        Instant now = clock.instant();
        transactions.executeWithoutResult(tx -> {
            jdbc.update("insert into webhook_attempt(delivery_id, attempted_at, status_code, latency_ms, response_excerpt, "
                            + "error) values (?, ?, ?, ?, ?, ?)", delivery.id(), Timestamp.from(now), outcome.statusCode(),
                    outcome.latencyMs(), outcome.response(), outcome.error());
            if (outcome.accepted()) {
                int moved = jdbc.update("update webhook_delivery set status = 'DELIVERED', attempts = attempts + 1, "
                                + "lease_until = null, last_attempt_at = ?, last_status_code = ? where id = ? and lease_until = ?",
                        Timestamp.from(now), outcome.statusCode(), delivery.id(), Timestamp.from(delivery.lease()));
                if (moved == 0) {
                    return;
                }
                jdbc.update("update webhook_endpoint set consecutive_failures = 0 where id = ? and consecutive_failures > 0",
                        delivery.endpointId());
                return;
            }
            int step = delivery.step() + 1;
            List<Duration> schedule = properties.retrySchedule();
            boolean exhausted = step > schedule.size();
            Instant next = exhausted ? now : now.plus(wait(schedule.get(step - 1), outcome.retryAfter()));
            int moved = jdbc.update("update webhook_delivery set status = ?, attempts = attempts + 1, step = ?, "
                            + "next_attempt_at = ?, lease_until = null, last_attempt_at = ?, last_status_code = ? "
                            + "where id = ? and lease_until = ?",
                    exhausted ? "FAILED" : "PENDING", step, Timestamp.from(next), Timestamp.from(now), outcome.statusCode(),
                    delivery.id(), Timestamp.from(delivery.lease()));
            if (moved == 0) {
                return;
            }
            jdbc.update("update webhook_endpoint set consecutive_failures = consecutive_failures + 1, "
                    + "enabled = case when consecutive_failures + 1 >= ? then false else enabled end, "
                    + "disabled_reason = case when enabled and consecutive_failures + 1 >= ? then 'FAILING' else disabled_reason end, "
                    + "updated_at = case when enabled and consecutive_failures + 1 >= ? then ? else updated_at end "
                    + "where id = ?", properties.disableAfterFailures(), properties.disableAfterFailures(),
                    properties.disableAfterFailures(), Timestamp.from(now), delivery.endpointId());
        });
    }

    /** The scheduled wait moved by the jitter, and never shorter than the receiver asked for (up to the cap). */
    Duration wait(Duration scheduled, Duration retryAfter) {
        double factor = 1 + properties.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        Duration jittered = Duration.ofMillis(Math.round(scheduled.toMillis() * factor));
        if (retryAfter == null) {
            return jittered;
        }
        Duration asked = retryAfter.compareTo(properties.maxRetryAfter()) > 0 ? properties.maxRetryAfter() : retryAfter;
        return asked.compareTo(jittered) > 0 ? asked : jittered;
    }

    /** Queues a message again from the start of its schedule, due now; empty if the caller cannot see it. */
    Optional<DeliveryView> redeliver(String id, OwnerScope scope) {
        if (find(id, scope).isEmpty()) {
            return Optional.empty();
        }
        // the lease goes too: an attempt still in flight is logged but no longer decides the message's state
        jdbc.update("update webhook_delivery set status = 'PENDING', step = 0, next_attempt_at = ?, lease_until = null "
                + "where id = ?", Timestamp.from(clock.instant()), id);
        return find(id, scope);
    }

    Optional<DeliveryView> find(String id, OwnerScope scope) {
        return list(scope, null, null, id, 1).stream().findFirst();
    }

    /** Newest first. */
    List<DeliveryView> list(OwnerScope scope, String endpointId, String status, String id, int limit) {
        StringBuilder sql = new StringBuilder("select id, endpoint_id, event_id, event_type, video_id, status, attempts, "
                + "next_attempt_at, created_at from webhook_delivery where true");
        List<Object> args = new ArrayList<>();
        if (scope instanceof OwnerScope.Only only) {
            sql.append(" and owner = ?");
            args.add(only.owner().value());
        }
        if (endpointId != null) {
            sql.append(" and endpoint_id = ?");
            args.add(endpointId);
        }
        if (status != null) {
            sql.append(" and status = ?");
            args.add(status);
        }
        if (id != null) {
            sql.append(" and id = ?");
            args.add(id);
        }
        sql.append(" order by created_at desc, position desc limit ?");
        args.add(limit);
        List<DeliveryView> deliveries = jdbc.query(sql.toString(), (rs, n) -> new DeliveryView(rs.getString("id"),
                rs.getString("endpoint_id"), rs.getString("event_id"), rs.getString("event_type"), rs.getString("video_id"),
                rs.getString("status"), rs.getInt("attempts"),
                "PENDING".equals(rs.getString("status")) ? rs.getTimestamp("next_attempt_at").toInstant() : null,
                rs.getTimestamp("created_at").toInstant(), List.of()), args.toArray());
        if (deliveries.isEmpty()) {
            return deliveries;
        }
        String marks = String.join(",", Collections.nCopies(deliveries.size(), "?"));
        Map<String, List<DeliveryView.Attempt>> attempts = jdbc.query("select delivery_id, attempted_at, status_code, "
                        + "latency_ms, response_excerpt, error from webhook_attempt where delivery_id in (" + marks + ") "
                        + "order by attempted_at desc, id desc",
                (rs, n) -> Map.entry(rs.getString("delivery_id"), new DeliveryView.Attempt(
                        rs.getTimestamp("attempted_at").toInstant(), (Integer) rs.getObject("status_code"),
                        rs.getLong("latency_ms"), rs.getString("response_excerpt"), rs.getString("error"))),
                deliveries.stream().map(DeliveryView::id).toArray()).stream()
                .collect(Collectors.groupingBy(Map.Entry::getKey, Collectors.mapping(Map.Entry::getValue, Collectors.toList())));
        return deliveries.stream().map(d -> new DeliveryView(d.id(), d.endpointId(), d.eventId(), d.type(), d.videoId(),
                d.status(), d.attempts(), d.nextAttemptAt(), d.createdAt(), attempts.getOrDefault(d.id(), List.of()))).toList();
    }
}
