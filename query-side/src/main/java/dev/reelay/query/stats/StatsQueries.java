package dev.reelay.query.stats;

import dev.reelay.kernel.account.OwnerScope;
import dev.reelay.kernel.task.TaskStatus;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Statistics from the rollup the task-views projection keeps ({@code task_stats} per owner and hour,
 * {@code task_stats_day} per day over every owner), in one read-only transaction: the window is split into whole
 * days (every owner only), whole hours, and the slivers inside an hour at either end, which are counted exactly from
 * {@code task_view} (a range scan of its creation-time indexes). Counts are exact; the percentiles of seconds to
 * complete are estimated from the fixed histogram buckets ({@link SecondsHistogram}).
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

    /** Whose tasks ({@link OwnerScope}); {@code from} is inclusive and {@code to} exclusive (creation time). */
    record Scope(OwnerScope owners, Instant from, Instant to) {
        Scope {
            java.util.Objects.requireNonNull(owners, "owners");
        }
    }

    /** Estimated from the histogram: within the width of the buckets around the exact value. */
    record Percentiles(Double p50, Double p95, long samples) {
    }

    record Day(LocalDate day, long count) {
    }

    /** Captured quota of one owner on one model: {@code videoSeconds} is seconds × price factor. */
    /** Prompt-assistant tokens captured per owner and model (calls that answered). */
    record TokenSpend(String owner, String model, long calls, long promptTokens, long completionTokens, long tokens) {
    }

    record Spend(String owner, String model, long tasks, long seconds, java.math.BigDecimal videoSeconds) {
    }

    record Stats(long total, Map<String, Long> byStatus, Map<String, Long> byModel, Map<String, Long> byProvider,
                 Double successRate, Percentiles secondsToComplete, List<Day> perDay, List<Spend> spend,
                 List<TokenSpend> tokenSpend) {
    }

    Stats stats(Scope scope) {
        List<Piece> pieces = new ArrayList<>();
        MapSqlParameterSource params = new MapSqlParameterSource();
        boolean oneOwner = scope.owners() instanceof OwnerScope.Only;
        if (scope.owners() instanceof OwnerScope.Only only) {
            params.addValue("owner", only.owner().value());
        }
        split(scope.from(), scope.to(), oneOwner ? ONE_OWNER : ALL_OWNERS, 0, pieces);
        List<String> countRows = new ArrayList<>();
        List<String> histogramRows = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) {
            Piece piece = pieces.get(i);
            String where = piece.where(oneOwner, i, params);
            switch (piece.source()) {
                case DAY -> {
                    countRows.add("select day, model, provider_id, status, count as n from task_stats_day" + where);
                    histogramRows.add("select seconds_histogram as h from task_stats_day" + where
                            + " and status = 'COMPLETED'");
                }
                case HOUR -> {
                    countRows.add("select (hour at time zone 'UTC')::date as day, model, provider_id, status, count as n "
                            + "from task_stats" + where);
                    histogramRows.add("select seconds_histogram as h from task_stats" + where
                            + " and status = 'COMPLETED'");
                }
                case EXACT -> {
                    countRows.add("select (created_at at time zone 'UTC')::date as day, model, "
                            + "coalesce(provider_id, '') as provider_id, status, 1 as n from task_view" + where);
                    histogramRows.add("select array_fill(0, array[task_stats_bucket(extract(epoch from completed_at - "
                            + "created_at)::double precision) - 1]) || 1 as h from task_view" + where
                            + " and status = 'COMPLETED' and completed_at is not null");
                }
            }
        }

        Map<String, Long> byStatus = new LinkedHashMap<>();
        for (TaskStatus status : TaskStatus.values()) {
            byStatus.put(status.name(), 0L);
        }
        Map<String, Long> byModel = new HashMap<>();
        Map<String, Long> byProvider = new HashMap<>();
        Map<LocalDate, Long> days = new TreeMap<>();
        // one pass over the rows of every piece; each grouping set answers one of the breakdowns
        jdbc.query("select day, model, provider_id, status, grouping(day) as g_day, grouping(model) as g_model, "
                + "grouping(provider_id) as g_provider, sum(n) as n from (" + String.join(" union all ", countRows)
                + ") t group by grouping sets ((day), (model), (provider_id), (status))", params, rs -> {
            long n = rs.getLong("n");
            if (rs.getInt("g_day") == 0) {
                days.put(rs.getObject("day", LocalDate.class), n);
            } else if (rs.getInt("g_model") == 0) {
                byModel.put(rs.getString("model"), n);
            } else if (rs.getInt("g_provider") == 0) {
                String provider = rs.getString("provider_id");
                byProvider.put(provider.isEmpty() ? NO_PROVIDER : provider, n);
            } else {
                byStatus.put(rs.getString("status"), n);
            }
        });
        long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
        long completed = byStatus.get(TaskStatus.COMPLETED.name());
        long failed = byStatus.get(TaskStatus.FAILED.name());
        Double successRate = completed + failed == 0 ? null : (double) completed / (completed + failed);

        // a sum per bucket: cheaper than unnesting every row's histogram and grouping the elements
        long[] histogram = new long[SecondsHistogram.buckets()];
        jdbc.query(IntStream.rangeClosed(1, histogram.length).mapToObj(b -> "sum(h[" + b + "])")
                .collect(Collectors.joining(", ", "select ", " from (" + String.join(" union all ", histogramRows)
                        + ") t")), params, rs -> {
            for (int b = 0; b < histogram.length; b++) {
                histogram[b] = rs.getLong(b + 1);
            }
        });
        Percentiles percentiles = new Percentiles(SecondsHistogram.percentile(histogram, 0.5),
                SecondsHistogram.percentile(histogram, 0.95), Arrays.stream(histogram).sum());

        List<Day> perDay = days.entrySet().stream().filter(d -> d.getValue() != 0)
                .map(d -> new Day(d.getKey(), d.getValue())).toList();

        // spend is booked when a task completes, so it is scoped by capture time
        String where = where(oneOwner, "captured_at", timestamp(scope.from()), timestamp(scope.to()), "",
                params);
        List<Spend> spend = jdbc.query("select owner, model, count(*) as tasks, sum(seconds) as seconds, "
                + "sum(captured) as captured from spend_entry" + where
                + " group by owner, model order by owner, model", params,
                (rs, i) -> new Spend(rs.getString("owner"), rs.getString("model"), rs.getLong("tasks"),
                        rs.getLong("seconds"), rs.getBigDecimal("captured")));
        List<TokenSpend> tokenSpend = jdbc.query("select owner, model, count(*) as calls, sum(prompt_tokens) as p, "
                + "sum(completion_tokens) as c from token_spend" + where + " group by owner, model order by owner, model",
                params, (rs, i) -> new TokenSpend(rs.getString("owner"), rs.getString("model"), rs.getLong("calls"),
                        rs.getLong("p"), rs.getLong("c"), rs.getLong("p") + rs.getLong("c")));

        return new Stats(total, byStatus, sortedByCount(byModel), sortedByCount(byProvider), successRate, percentiles,
                perDay, spend, tokenSpend);
    }

    /** Most tasks first, then by name, without the keys every task has moved away from. */
    private static Map<String, Long> sortedByCount(Map<String, Long> counts) {
        Map<String, Long> sorted = new LinkedHashMap<>();
        counts.entrySet().stream().filter(e -> e.getValue() != 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** Where a part of the window is counted: whole UTC days of every owner, whole hours, or the tasks themselves. */
    enum Source { DAY, HOUR, EXACT }

    private static final List<Source> ALL_OWNERS = List.of(Source.DAY, Source.HOUR, Source.EXACT);
    private static final List<Source> ONE_OWNER = List.of(Source.HOUR, Source.EXACT);

    /** {@code [from, to)} of creation time counted from one source; null ends are open. */
    record Piece(Source source, Instant from, Instant to) {

        String where(boolean oneOwner, int index, MapSqlParameterSource params) {
            String suffix = String.valueOf(index);
            return switch (source) {
                case DAY -> StatsQueries.where(oneOwner, "day", day(from), day(to), suffix, params);
                case HOUR -> StatsQueries.where(oneOwner, "hour", timestamp(from), timestamp(to), suffix, params);
                case EXACT -> StatsQueries.where(oneOwner, "created_at", timestamp(from), timestamp(to), suffix, params);
            };
        }

        private static LocalDate day(Instant at) {
            return at == null ? null : LocalDate.ofInstant(at, ZoneOffset.UTC);
        }
    }

    /**
     * {@code " where 1=1"}, the owner when there is one, and {@code from <= column < to} for the ends given (null is
     * open); the values are bound as {@code from<suffix>} / {@code to<suffix>}, so several windows share one query.
     */
    private static String where(boolean oneOwner, String column, Object from, Object to, String suffix,
                                MapSqlParameterSource params) {
        StringBuilder where = new StringBuilder(" where 1=1");
        if (oneOwner) {
            where.append(" and owner = :owner");
        }
        if (from != null) {
            where.append(" and ").append(column).append(" >= :from").append(suffix);
            params.addValue("from" + suffix, from);
        }
        if (to != null) {
            where.append(" and ").append(column).append(" < :to").append(suffix);
            params.addValue("to" + suffix, to);
        }
        return where.toString();
    }

    private static Timestamp timestamp(Instant at) {
        return at == null ? null : Timestamp.from(at);
    }

    /**
     * Splits {@code [from, to)} into whole units of {@code sources[level]} and, at either end, what is left over,
     * which the next finer source counts: whole days, then whole hours, then the exact slivers inside an hour.
     */
    static void split(Instant from, Instant to, List<Source> sources, int level, List<Piece> pieces) {
        Source source = sources.get(level);
        if (source == Source.EXACT) {
            pieces.add(new Piece(source, from, to));
            return;
        }
        ChronoUnit unit = source == Source.DAY ? ChronoUnit.DAYS : ChronoUnit.HOURS;
        Instant first = from == null ? null : ceil(from, unit);
        Instant last = to == null ? null : to.truncatedTo(unit);
        if (first != null && last != null && !first.isBefore(last)) {
            split(from, to, sources, level + 1, pieces);
            return;
        }
        if (from != null && from.isBefore(first)) {
            split(from, first, sources, level + 1, pieces);
        }
        pieces.add(new Piece(source, first, last));
        if (to != null && last.isBefore(to)) {
            split(last, to, sources, level + 1, pieces);
        }
    }

    private static Instant ceil(Instant at, ChronoUnit unit) {
        Instant down = at.truncatedTo(unit);
        return down.equals(at) ? at : down.plus(1, unit);
    }
}
