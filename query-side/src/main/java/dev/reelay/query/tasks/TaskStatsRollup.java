package dev.reelay.query.tasks;

import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.query.BatchBuffers;
import dev.reelay.query.stats.SecondsHistogram;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Keeps {@code task_stats} (per owner and creation hour) and {@code task_stats_day} (every owner, per day) in step with
 * {@code task_view}: each task counts once under its current key, and a COMPLETED one also in its seconds-to-complete
 * bucket. The projector reports a row's slot before and after each change; the moves of a whole batch are summed in
 * memory and written at the end of the batch's unit of work, in the same transaction as the views, as one upsert per
 * touched row in key order: the two task-views segments then lock shared rows in the same order and cannot deadlock.
 */
@Component
class TaskStatsRollup {

    /** Where a task counts: its key and, for a COMPLETED task with a completion time, its histogram bucket (else 0). */
    record Slot(String owner, Instant hour, String model, String provider, TaskStatus status, int bucket) {

        /** Null for a row that holds no task yet (a fresh view before its first assignment). */
        static Slot of(TaskView view) {
            if (view.owner == null || view.createdAt == null || view.status == null) {
                return null;
            }
            int bucket = view.status == TaskStatus.COMPLETED && view.completedAt != null
                    ? SecondsHistogram.bucketOf(Duration.between(view.createdAt, view.completedAt).toNanos() / 1e9)
                    : 0;
            return new Slot(view.owner, view.createdAt.truncatedTo(ChronoUnit.HOURS), view.model,
                    view.providerId == null ? "" : view.providerId, view.status, bucket);
        }

        Key key() {
            return new Key(owner, hour, model, provider, status.name());
        }
    }

    record Key(String owner, Instant hour, String model, String provider, String status) {
    }

    private record DayKey(LocalDate day, String model, String provider, String status) {
    }

    private static final Comparator<Key> KEY_ORDER = Comparator.comparing(Key::owner).thenComparing(Key::hour)
            .thenComparing(Key::model).thenComparing(Key::provider).thenComparing(Key::status);
    private static final Comparator<DayKey> DAY_ORDER = Comparator.comparing(DayKey::day).thenComparing(DayKey::model)
            .thenComparing(DayKey::provider).thenComparing(DayKey::status);
    private static final String PENDING = TaskStatsRollup.class.getName() + ".pending";

    private final NamedParameterJdbcTemplate jdbc;

    TaskStatsRollup(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A task moved from {@code before} to {@code after} (either may be null: not counted there). */
    void moved(Slot before, Slot after) {
        if (Objects.equals(before, after)) {
            return;
        }
        Pending pending = BatchBuffers.current(PENDING, Pending::new, this::write);
        if (before != null) {
            pending.add(before, -1);
        }
        if (after != null) {
            pending.add(after, 1);
        }
    }

    /** Empties both tables: the processor is about to replay every event. */
    void clear() {
        jdbc.getJdbcTemplate().update("delete from task_stats");
        jdbc.getJdbcTemplate().update("delete from task_stats_day");
    }

    private void write(Pending pending) {
        pending.rows.values().removeIf(Delta::isEmpty);
        if (pending.rows.isEmpty()) {
            return;
        }
        jdbc.batchUpdate("insert into task_stats (owner, hour, model, provider_id, status, count, seconds_histogram) "
                + "values (:owner, :hour, :model, :provider, :status, :count, cast(:histogram as int[])) "
                + "on conflict (owner, hour, model, provider_id, status) do update set "
                + "count = task_stats.count + excluded.count, "
                + "seconds_histogram = " + added("task_stats"),
                pending.rows.entrySet().stream().map(e -> new MapSqlParameterSource()
                        .addValue("owner", e.getKey().owner()).addValue("hour", Timestamp.from(e.getKey().hour()))
                        .addValue("model", e.getKey().model()).addValue("provider", e.getKey().provider())
                        .addValue("status", e.getKey().status()).addValue("count", e.getValue().count)
                        .addValue("histogram", e.getValue().literal())).toArray(SqlParameterSource[]::new));

        Map<DayKey, Delta> days = pending.rows.entrySet().stream().collect(Collectors.toMap(
                e -> new DayKey(LocalDate.ofInstant(e.getKey().hour(), ZoneOffset.UTC), e.getKey().model(),
                        e.getKey().provider(), e.getKey().status()),
                Map.Entry::getValue, Delta::plus, () -> new TreeMap<>(DAY_ORDER)));
        jdbc.batchUpdate("insert into task_stats_day (day, model, provider_id, status, count, seconds_histogram) "
                + "values (:day, :model, :provider, :status, :count, cast(:histogram as int[])) "
                + "on conflict (day, model, provider_id, status) do update set "
                + "count = task_stats_day.count + excluded.count, "
                + "seconds_histogram = " + added("task_stats_day"),
                days.entrySet().stream().map(e -> new MapSqlParameterSource()
                        .addValue("day", e.getKey().day()).addValue("model", e.getKey().model())
                        .addValue("provider", e.getKey().provider()).addValue("status", e.getKey().status())
                        .addValue("count", e.getValue().count).addValue("histogram", e.getValue().literal()))
                        .toArray(SqlParameterSource[]::new));
        pending.rows.clear();
    }

    /**
     * The histogram after adding the batch's: only moves in or out of COMPLETED carry buckets, so most rows skip the
     * SQL function (a call per row, issue 16).
     */
    private static String added(String table) {
        return "case when cardinality(excluded.seconds_histogram) = 0 then " + table + ".seconds_histogram "
                + "else task_stats_add(" + table + ".seconds_histogram, excluded.seconds_histogram) end";
    }

    /** The moves of one batch, per row. */
    private static final class Pending {
        final Map<Key, Delta> rows = new TreeMap<>(KEY_ORDER);

        void add(Slot slot, int sign) {
            Delta delta = rows.computeIfAbsent(slot.key(), k -> new Delta());
            delta.count += sign;
            if (slot.bucket() > 0) {
                delta.bump(slot.bucket(), sign);
            }
        }
    }

    /** A change of one row: its count, and its histogram up to the last bucket touched. */
    private static final class Delta {
        long count;
        int[] histogram = new int[0];

        void bump(int bucket, int by) {
            if (histogram.length < bucket) {
                histogram = Arrays.copyOf(histogram, bucket);
            }
            histogram[bucket - 1] += by;
        }

        Delta plus(Delta other) {
            Delta sum = new Delta();
            sum.count = count + other.count;
            sum.histogram = Arrays.copyOf(histogram, Math.max(histogram.length, other.histogram.length));
            for (int i = 0; i < other.histogram.length; i++) {
                sum.histogram[i] += other.histogram[i];
            }
            return sum;
        }

        boolean isEmpty() {
            return count == 0 && Arrays.stream(histogram).allMatch(n -> n == 0);
        }

        String literal() {
            return Arrays.stream(histogram).mapToObj(Integer::toString).collect(Collectors.joining(",", "{", "}"));
        }
    }
}
