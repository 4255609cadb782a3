package dev.reelay.query.stats;

import dev.reelay.kernel.task.TaskStatus;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Aggregates over {@code task_view}, all in SQL and in one read-only transaction: counts by status, model and
 * provider (one scan with grouping sets), the percentiles of time to complete, and counts per UTC day of creation.
 */
@Component
@Transactional(readOnly = true)
class StatsQueries {

    /** The {@code byProvider} key of tasks no provider has accepted; no provider id can look like it. */
    static final String NO_PROVIDER = "(none)";

    private final NamedParameterJdbcTemplate jdbc;

    StatsQueries(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** {@code owner} null means every owner; {@code from} is inclusive and {@code to} exclusive (creation time). */
    record Scope(String owner, Instant from, Instant to) {
    }

    record Percentiles(Double p50, Double p95, long samples) {
    }

    record Day(LocalDate day, long count) {
    }

    /** Captured quota of one owner on one model: {@code videoSeconds} is seconds × price factor. */
    record Spend(String owner, String model, long tasks, long seconds, java.math.BigDecimal videoSeconds) {
    }

    record Stats(long total, Map<String, Long> byStatus, Map<String, Long> byModel, Map<String, Long> byProvider,
                 Double successRate, Percentiles secondsToComplete, List<Day> perDay, List<Spend> spend) {
    }

    Stats stats(Scope scope) {
        StringBuilder where = new StringBuilder(" where 1=1");
        MapSqlParameterSource params = new MapSqlParameterSource();
        if (scope.owner() != null) {
            where.append(" and owner = :owner");
            params.addValue("owner", scope.owner());
        }
        if (scope.from() != null) {
            where.append(" and created_at >= :from");
            params.addValue("from", Timestamp.from(scope.from()));
        }
        if (scope.to() != null) {
            where.append(" and created_at < :to");
            params.addValue("to", Timestamp.from(scope.to()));
        }

        Map<String, Long> byStatus = new LinkedHashMap<>();
        for (TaskStatus status : TaskStatus.values()) {
            byStatus.put(status.name(), 0L);
        }
        Map<String, Long> byModel = new LinkedHashMap<>();
        Map<String, Long> byProvider = new LinkedHashMap<>();
        jdbc.query("select status, model, provider_id, grouping(status) as g_status, grouping(model) as g_model, "
                + "count(*) as n from task_view" + where
                + " group by grouping sets ((status), (model), (provider_id)) order by n desc, status, model, provider_id",
                params, rs -> {
                    long n = rs.getLong("n");
                    if (rs.getInt("g_status") == 0) {
                        byStatus.put(rs.getString("status"), n);
                    } else if (rs.getInt("g_model") == 0) {
                        byModel.put(rs.getString("model"), n);
                    } else {
                        String provider = rs.getString("provider_id");
                        byProvider.put(provider == null ? NO_PROVIDER : provider, n);
                    }
                });
        long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
        long completed = byStatus.get(TaskStatus.COMPLETED.name());
        long failed = byStatus.get(TaskStatus.FAILED.name());
        Double successRate = completed + failed == 0 ? null : (double) completed / (completed + failed);

        Percentiles percentiles = jdbc.queryForObject("select "
                + "percentile_cont(0.5) within group (order by extract(epoch from completed_at - created_at)::double precision) as p50, "
                + "percentile_cont(0.95) within group (order by extract(epoch from completed_at - created_at)::double precision) as p95, "
                + "count(*) as n from task_view" + where + " and status = 'COMPLETED' and completed_at is not null",
                params, (rs, i) -> new Percentiles(rs.getObject("p50", Double.class), rs.getObject("p95", Double.class),
                        rs.getLong("n")));

        List<Day> perDay = new ArrayList<>(jdbc.query("select date_trunc('day', created_at at time zone 'UTC')::date as day, "
                + "count(*) as n from task_view" + where + " group by 1 order by 1", params,
                (rs, i) -> new Day(rs.getObject("day", LocalDate.class), rs.getLong("n"))));

        // spend is booked when a task completes, so it is scoped by capture time
        List<Spend> spend = jdbc.query("select owner, model, count(*) as tasks, sum(seconds) as seconds, "
                + "sum(captured) as captured from spend_entry" + where.toString().replace("created_at", "captured_at")
                + " group by owner, model order by owner, model", params,
                (rs, i) -> new Spend(rs.getString("owner"), rs.getString("model"), rs.getLong("tasks"),
                        rs.getLong("seconds"), rs.getBigDecimal("captured")));

        return new Stats(total, byStatus, byModel, byProvider, successRate, percentiles, perDay, spend);
    }
}
