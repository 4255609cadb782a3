package dev.reelay.query.accounts;

import dev.reelay.kernel.account.Slot;
import dev.reelay.kernel.event.QuotaCaptured;
import dev.reelay.kernel.event.TokensCaptured;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code account_balance} rows one batch of the accounts processor touches, and the spend rows it adds. A row is
 * read once per batch and changed in memory; {@link #write()} stores every touched row with one JDBC batch of upserts
 * and the spend rows with one batch of inserts. One read per user and two or three writes per batch, instead of two
 * statements per event: a replay is bound by round trips (docs/benchmarks.md, benchmark 4). Not thread-safe: one
 * batch, one thread.
 */
final class AccountBatch {

    private static final String COLUMNS = "owner, period_start, period_end, held, captured, active, waiting, "
            + "max_concurrent, quota_video_seconds, token_period_start, tokens_held, tokens_captured, updated_at, last_seq";
    private static final String SELECT = "select " + COLUMNS + " from account_balance where owner = :owner";
    private static final String UPSERT = "insert into account_balance (" + COLUMNS + ") values (:owner, :periodStart, "
            + ":periodEnd, :held, :captured, :active, :waiting, :maxConcurrent, :quota, :tokenPeriodStart, :tokensHeld, "
            + ":tokensCaptured, :updatedAt, :lastSeq) on conflict (owner) do update set "
            + "period_start = excluded.period_start, period_end = excluded.period_end, held = excluded.held, "
            + "captured = excluded.captured, active = excluded.active, waiting = excluded.waiting, "
            + "max_concurrent = excluded.max_concurrent, quota_video_seconds = excluded.quota_video_seconds, "
            + "token_period_start = excluded.token_period_start, tokens_held = excluded.tokens_held, "
            + "tokens_captured = excluded.tokens_captured, updated_at = excluded.updated_at, last_seq = excluded.last_seq";
    private static final String SPEND = "insert into spend_entry (video_id, owner, model, seconds, captured, captured_at) "
            + "values (:video, :owner, :model, :seconds, :captured, :at) on conflict do nothing";
    private static final String TOKEN_SPEND = "insert into token_spend (call_id, owner, model, prompt_tokens, "
            + "completion_tokens, captured_at) values (:call, :owner, :model, :prompt, :completion, :at) "
            + "on conflict do nothing";
    /** The scale of the amount columns: PostgreSQL rounds each stored amount to it, half away from zero. */
    private static final int SCALE = 3;

    private final NamedParameterJdbcTemplate jdbc;
    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final List<SqlParameterSource> spend = new ArrayList<>();
    private final List<SqlParameterSource> tokenSpend = new ArrayList<>();

    AccountBatch(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The owner's row as this batch has left it so far, read once per batch; a new one, last touched {@code at}, if
     * they have none. One primary-key read per owner, not one {@code owner = any(…)} for the whole batch: PostgreSQL
     * keeps a prepared statement's generic plan, and the one it makes for {@code = any($1)} while the table is still
     * empty (a fresh install, a rebuild) is a sequential scan that it kept using as the table grew (benchmark 4).
     */
    Row of(String owner, Instant at) {
        Row row = rows.get(owner);
        if (row == null) {
            List<Row> stored = jdbc.query(SELECT, new MapSqlParameterSource("owner", owner), (rs, i) -> Row.read(rs));
            row = stored.isEmpty() ? new Row(owner, at) : stored.get(0);
            rows.put(owner, row);
        }
        return row;
    }

    void spent(QuotaCaptured event) {
        spend.add(new MapSqlParameterSource("video", event.videoId().value()).addValue("owner", event.owner())
                .addValue("model", event.model()).addValue("seconds", event.actualSeconds())
                .addValue("captured", event.captured()).addValue("at", Timestamp.from(event.capturedAt())));
    }

    void spent(TokensCaptured event) {
        tokenSpend.add(new MapSqlParameterSource("call", event.callId()).addValue("owner", event.owner())
                .addValue("model", event.model()).addValue("prompt", event.promptTokens())
                .addValue("completion", event.completionTokens()).addValue("at", Timestamp.from(event.capturedAt())));
    }

    /** Stores what this batch changed; runs once, as the batch's unit of work prepares to commit. */
    void write() {
        if (!rows.isEmpty()) {
            jdbc.batchUpdate(UPSERT, rows.values().stream().map(Row::parameters).toArray(SqlParameterSource[]::new));
        }
        if (!spend.isEmpty()) {
            jdbc.batchUpdate(SPEND, spend.toArray(SqlParameterSource[]::new));
        }
        if (!tokenSpend.isEmpty()) {
            jdbc.batchUpdate(TOKEN_SPEND, tokenSpend.toArray(SqlParameterSource[]::new));
        }
    }

    /**
     * One user's balance and the booking rules. The quota counts in the latest period anything was held in: a hold of
     * a newer period starts that period's figures afresh, one of the same period adds to them, one of an older period
     * changes no amount. A capture or release is booked to its hold's period, so it changes the amounts only while
     * that is still the row's period; it frees its slot whatever the period. The token ledger books the same way.
     */
    static final class Row {
        private final String owner;
        private Instant periodStart;
        private Instant periodEnd;
        private BigDecimal held = BigDecimal.ZERO;
        private BigDecimal captured = BigDecimal.ZERO;
        private int active;
        private int waiting;
        private Integer maxConcurrent;
        private BigDecimal quota;
        private Instant tokenPeriodStart;
        private long tokensHeld;
        private long tokensCaptured;
        private Instant updatedAt;
        private long lastSeq = -1;

        private Row(String owner, Instant updatedAt) {
            this.owner = owner;
            this.updatedAt = updatedAt;
        }

        Row hold(Instant start, Instant end, BigDecimal amount) {
            if (periodStart == null || periodStart.isBefore(start)) {
                periodStart = start;
                periodEnd = end;
                held = stored(amount);
                captured = BigDecimal.ZERO;
            } else if (periodStart.equals(start)) {
                held = stored(held.add(amount));
            }
            return this;
        }

        Row admitted(boolean fromQueue) {
            active++;
            if (fromQueue) {
                waiting = Math.max(0, waiting - 1);
            }
            return this;
        }

        Row queued() {
            waiting++;
            return this;
        }

        Row settle(Instant start, BigDecimal heldAmount, BigDecimal capturedAmount, Slot slot) {
            if (start.equals(periodStart)) {
                held = stored(held.subtract(heldAmount).max(BigDecimal.ZERO));
                captured = stored(captured.add(capturedAmount));
            }
            if (slot == Slot.ACTIVE) {
                active = Math.max(0, active - 1);
            } else if (slot == Slot.WAITING) {
                waiting = Math.max(0, waiting - 1);
            }
            return this;
        }

        Row limits(Integer cap, BigDecimal quotaVideoSeconds) {
            maxConcurrent = cap;
            quota = quotaVideoSeconds == null ? null : stored(quotaVideoSeconds);
            return this;
        }

        Row holdTokens(Instant start, long tokens) {
            if (tokenPeriodStart == null || tokenPeriodStart.isBefore(start)) {
                tokenPeriodStart = start;
                tokensHeld = tokens;
                tokensCaptured = 0;
            } else if (tokenPeriodStart.equals(start)) {
                tokensHeld += tokens;
            }
            return this;
        }

        Row settleTokens(Instant start, long heldTokens, long capturedTokens) {
            if (start.equals(tokenPeriodStart)) {
                tokensHeld = Math.max(0, tokensHeld - heldTokens);
                tokensCaptured += capturedTokens;
            }
            return this;
        }

        /** Every applied event stamps the row with its time and, for read-your-writes, its sequence number. */
        void touched(Instant at, long sequence) {
            updatedAt = at;
            lastSeq = Math.max(lastSeq, sequence);
        }

        private static BigDecimal stored(BigDecimal amount) {
            return amount.setScale(SCALE, RoundingMode.HALF_UP);
        }

        private static Row read(ResultSet rs) throws SQLException {
            Row row = new Row(rs.getString("owner"), instant(rs.getTimestamp("updated_at")));
            row.periodStart = instant(rs.getTimestamp("period_start"));
            row.periodEnd = instant(rs.getTimestamp("period_end"));
            row.held = rs.getBigDecimal("held");
            row.captured = rs.getBigDecimal("captured");
            row.active = rs.getInt("active");
            row.waiting = rs.getInt("waiting");
            row.maxConcurrent = (Integer) rs.getObject("max_concurrent");
            row.quota = rs.getBigDecimal("quota_video_seconds");
            row.tokenPeriodStart = instant(rs.getTimestamp("token_period_start"));
            row.tokensHeld = rs.getLong("tokens_held");
            row.tokensCaptured = rs.getLong("tokens_captured");
            row.lastSeq = rs.getLong("last_seq");
            return row;
        }

        private SqlParameterSource parameters() {
            return new MapSqlParameterSource("owner", owner)
                    .addValue("periodStart", timestamp(periodStart), Types.TIMESTAMP)
                    .addValue("periodEnd", timestamp(periodEnd), Types.TIMESTAMP)
                    .addValue("held", held, Types.NUMERIC).addValue("captured", captured, Types.NUMERIC)
                    .addValue("active", active).addValue("waiting", waiting)
                    .addValue("maxConcurrent", maxConcurrent, Types.INTEGER).addValue("quota", quota, Types.NUMERIC)
                    .addValue("tokenPeriodStart", timestamp(tokenPeriodStart), Types.TIMESTAMP)
                    .addValue("tokensHeld", tokensHeld).addValue("tokensCaptured", tokensCaptured)
                    .addValue("updatedAt", timestamp(updatedAt), Types.TIMESTAMP)
                    .addValue("lastSeq", lastSeq);
        }

        private static Instant instant(Timestamp timestamp) {
            return timestamp == null ? null : timestamp.toInstant();
        }

        private static Timestamp timestamp(Instant instant) {
            return instant == null ? null : Timestamp.from(instant);
        }
    }
}
