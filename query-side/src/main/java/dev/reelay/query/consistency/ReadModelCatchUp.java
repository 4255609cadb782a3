package dev.reelay.query.consistency;

import com.github.benmanes.caffeine.cache.Caffeine;
import dev.reelay.query.ProjectionGroups;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Tells when the read models a client reads after a write have caught up with the aggregate it wrote (ADR 0009): a
 * task's row (which also moves the lists and the stats rollup in the same transaction) and its lineage rows; and,
 * for a read of the balance, when a user's account row has caught up with the account's last event. It polls the
 * shared database, so it sees a projection running on any node. A projection on this node says what it committed
 * ({@link #changed}: its group, the aggregate, the event's sequence number), and that is enough: a committed row is
 * in the shared database, visible to every node. So a wait whose projections run here ends on their word without a
 * query; the database is asked only when a pause passes without word, which is how another node's projections are
 * seen (after the event store's fetch delay, 1 s, anyway). Issue 16: polling cost ~10 checks per create under load
 * with fixed pauses, still ~4.7 with wake-ups on commit.
 */
@Component
public class ReadModelCatchUp {

    /**
     * Pauses between checks unless this node's projections ring first; only another node's projections are waited for by
     * the pauses alone, and those are seen after the event store's fetch delay (1 s) anyway.
     */
    private static final long[] PAUSES_MS = {5, 25, 50};
    /** What this node's projections committed lately is kept for this many (group, aggregate) pairs. */
    private static final int SEEN_KEPT = 60_000;

    private final NamedParameterJdbcTemplate jdbc;
    /** The waits in progress, by the aggregate they wait for. */
    private final ConcurrentHashMap<String, Set<Wake>> waiting = new ConcurrentHashMap<>();
    /**
     * By group and aggregate, the highest sequence number that group's projection committed on this node: a hint that
     * spares the database, never the only way a wait ends (a pair it no longer holds is asked of the database).
     */
    private final Map<String, Long> seenHere = Caffeine.newBuilder().maximumSize(SEEN_KEPT).<String, Long>build().asMap();
    /**
     * By aggregate, the highest sequence number appended on this node and committed: what a write made here waits
     * for, without asking the event store for the aggregate's head (issue 16: two queries per create). A write waits
     * for its own events; one another node appended since is not its to wait for, and a single task's read folds it.
     * An aggregate this no longer holds (or never did) is looked up in the event store, as before.
     */
    private final Map<String, Long> appendedHere = Caffeine.newBuilder().maximumSize(SEEN_KEPT).<String, Long>build().asMap();

    public ReadModelCatchUp(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The sequence number of an aggregate's last event (one lookup on the unique index); -1 when it has none. */
    public long head(String aggregateId) {
        Long head = jdbc.queryForObject("select max(sequence_number) from domain_event_entry where aggregate_identifier = :id",
                new MapSqlParameterSource("id", aggregateId), Long.class);
        return head == null ? -1 : head;
    }

    /**
     * This node committed the event {@code sequenceNumber} of {@code aggregateId} to the event store (and every earlier
     * one of it, as an aggregate appends in order).
     */
    public void appended(String aggregateId, long sequenceNumber) {
        appendedHere.merge(aggregateId, sequenceNumber, Math::max);
    }

    /** The last event of the aggregate that this node appended and still remembers; -1 when none. */
    public long appendedHere(String aggregateId) {
        return appendedHere.getOrDefault(aggregateId, -1L);
    }

    /** The last event of the aggregate that a write on this node appended; the event store's head if none is known. */
    private long writtenHead(String aggregateId) {
        long appended = appendedHere(aggregateId);
        return appended >= 0 ? appended : head(aggregateId);
    }

    /**
     * True once the task's views show the last event this node appended to it (its head in the event store, when
     * this node appended none that it remembers); false when {@code bound} passed first. Its lineage rows are
     * written with its first event, so any event of it that the lineage projection committed says they exist.
     */
    public boolean await(String videoId, Duration bound) {
        MapSqlParameterSource id = new MapSqlParameterSource("id", videoId);
        return awaitHead(videoId, writtenHead(videoId), bound,
                head -> seenHere(ProjectionGroups.TASK_VIEWS, videoId, head) && seenHere(ProjectionGroups.LINEAGE, videoId, 0),
                head -> taskCaughtUp(id, head));
    }

    /**
     * A projection of this node ({@code group}) committed the event {@code sequenceNumber} of {@code aggregateId} (and,
     * handling events in order, every earlier one of it): its waits look again now.
     */
    public void changed(String group, String aggregateId, long sequenceNumber) {
        seenHere.merge(group + '/' + aggregateId, sequenceNumber, Math::max);
        Set<Wake> wakes = waiting.get(aggregateId);
        if (wakes != null) {
            wakes.forEach(Wake::signal);
        }
    }

    private boolean seenHere(String group, String aggregateId, long head) {
        Long seen = seenHere.get(group + '/' + aggregateId);
        return seen != null && seen >= head;
    }

    /**
     * True once the owner's account row ({@code account_balance}: quota, slots, own limits) shows the account's event
     * {@code head} (its last in the event store, {@link #head}, whichever node appended it); false when {@code bound}
     * passed first. What a read of the balance that found the row behind waits for: writes do not wait for the
     * account row (issue 16), the read that needs it does.
     */
    public boolean awaitAccount(String accountId, String owner, long head, Duration bound) {
        return awaitHead(accountId, head, bound, at -> seenHere(ProjectionGroups.ACCOUNTS, accountId, at),
                at -> accountRowShows(owner, at));
    }

    private boolean accountRowShows(String owner, long head) {
        List<Long> rows = jdbc.queryForList("select last_seq from account_balance where owner = :owner",
                new MapSqlParameterSource("owner", owner), Long.class);
        return !rows.isEmpty() && rows.get(0) >= head;
    }

    private interface CaughtUp {
        boolean at(long head);
    }

    /**
     * Ends on this node's projections' word ({@code seenHere}) as soon as it covers {@code head}; asks the database
     * ({@code caughtUp}) only after a pause that passed without word, and once more when {@code bound} passed.
     */
    private boolean awaitHead(String aggregateId, long head, Duration bound, CaughtUp seenHere, CaughtUp caughtUp) {
        if (head < 0) {
            return true; // nothing written: nothing to wait for
        }
        if (seenHere.at(head)) {
            return true;
        }
        long deadline = System.nanoTime() + bound.toNanos();
        Wake wake = new Wake();
        waiting.compute(aggregateId, (id, wakes) -> {
            Set<Wake> all = wakes == null ? ConcurrentHashMap.newKeySet() : wakes;
            all.add(wake);
            return all;
        });
        try {
            boolean askDatabase = false;
            for (int attempt = 0; ; attempt++) {
                long signals = wake.signals();
                if (seenHere.at(head) || askDatabase && caughtUp.at(head)) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return caughtUp.at(head);
                }
                long pause = TimeUnit.MILLISECONDS.toNanos(PAUSES_MS[Math.min(attempt, PAUSES_MS.length - 1)]);
                if (!wake.await(signals, Math.min(pause, left))) {
                    return false; // interrupted
                }
                askDatabase = wake.signals() == signals; // no word in the pause: maybe another node's projection
            }
        } finally {
            waiting.computeIfPresent(aggregateId, (id, wakes) -> {
                wakes.remove(wake);
                return wakes.isEmpty() ? null : wakes;
            });
        }
    }

    /** One wait's doorbell: rung by {@link #changed}, counted so that a ring during a check is not missed. */
    private static final class Wake {
        private long signals;

        synchronized long signals() {
            return signals;
        }

        synchronized void signal() {
            signals++;
            notifyAll();
        }

        /** Until a ring after {@code seen} or {@code nanos} passed; false when interrupted. */
        synchronized boolean await(long seen, long nanos) {
            long until = System.nanoTime() + nanos;
            try {
                for (long left = nanos; signals == seen && left > 0; left = until - System.nanoTime()) {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
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
