package dev.reelay.query.consistency;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Tells when the read models a client reads after a write have caught up with the aggregate it wrote (ADR 0009): a
 * task's row (which also moves the lists and the stats rollup in the same transaction) and its lineage rows, or a
 * user's account row. It polls the shared database, so it sees a projection running on any node.
 */
@Component
public class ReadModelCatchUp {

    /** Pauses between checks: short at first (a local projection is usually done within a few milliseconds). */
    private static final long[] PAUSES_MS = {1, 2, 4, 8, 16, 25};

    private final NamedParameterJdbcTemplate jdbc;

    ReadModelCatchUp(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The sequence number of an aggregate's last event (one lookup on the unique index); -1 when it has none. */
    public long head(String aggregateId) {
        Long head = jdbc.queryForObject("select max(sequence_number) from domain_event_entry where aggregate_identifier = :id",
                new MapSqlParameterSource("id", aggregateId), Long.class);
        return head == null ? -1 : head;
    }

    /** True once the task's views show its last event; false when {@code bound} passed first. */
    public boolean await(String videoId, Duration bound) {
        MapSqlParameterSource id = new MapSqlParameterSource("id", videoId);
        return awaitHead(head(videoId), bound, head -> taskCaughtUp(id, head));
    }

    /**
     * True once the owner's account row ({@code account_balance}: quota, slots, own limits) shows the last event of
     * the account aggregate {@code accountId}; false when {@code bound} passed first.
     */
    public boolean awaitAccount(String accountId, String owner, Duration bound) {
        MapSqlParameterSource params = new MapSqlParameterSource("owner", owner);
        return awaitHead(head(accountId), bound, head -> {
            List<Long> rows = jdbc.queryForList("select last_seq from account_balance where owner = :owner", params, Long.class);
            return !rows.isEmpty() && rows.get(0) >= head;
        });
    }

    private interface CaughtUp {
        boolean at(long head);
    }

    private boolean awaitHead(long head, Duration bound, CaughtUp caughtUp) {
        if (head < 0) {
            return true; // nothing written: nothing to wait for
        }
        long deadline = System.nanoTime() + bound.toNanos();
        for (int attempt = 0; ; attempt++) {
            if (caughtUp.at(head)) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            long pause = TimeUnit.MILLISECONDS.toNanos(PAUSES_MS[Math.min(attempt, PAUSES_MS.length - 1)]);
            LockSupport.parkNanos(Math.min(pause, left));
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
    }

    private boolean taskCaughtUp(MapSqlParameterSource id, long head) {
        List<Boolean> rows = jdbc.query("select v.last_seq >= :head and exists (select 1 from task_lineage l "
                        + "where l.ancestor_id = :id and l.descendant_id = :id) from task_view v where v.video_id = :id",
                new MapSqlParameterSource(id.getValues()).addValue("head", head), (rs, n) -> rs.getBoolean(1));
        return !rows.isEmpty() && rows.get(0);
    }
}
