package dev.reelay.query.accounts;

import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.query.consistency.ConsistencyBound;
import dev.reelay.query.consistency.ReadModelCatchUp;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A user's guardrails as they stand: the quota of the current period (limit, held, captured, available, when it
 * resets) and the concurrency slots (limit, active, waiting). Users see their own; admins anyone's.
 * <p>
 * A create does not wait for the account's row (issue 16); this read does (ADR 0009): bounded, until the row shows the
 * account's last event in the event store, whichever node appended it. So the caller's own creates and limit changes
 * are in it, on any node. The row is read first; only a row behind that event waits (holding no connection) and is
 * read again.
 */
@RestController
class AccountController {

    private final NamedParameterJdbcTemplate jdbc;
    private final AccountDefaults defaults;
    private final Clock clock;
    private final ReadModelCatchUp catchUp;
    private final ConsistencyBound bound;

    AccountController(NamedParameterJdbcTemplate jdbc, AccountDefaults defaults, Clock clock, ReadModelCatchUp catchUp,
                      ConsistencyBound bound) {
        this.jdbc = jdbc;
        this.defaults = defaults;
        this.clock = clock;
        this.catchUp = catchUp;
        this.bound = bound;
    }

    /** {@code ownLimits}: the user has limits of their own rather than the configured defaults. */
    record Balance(String owner, Quota quota, Concurrency concurrency, boolean ownLimits, TokenQuota tokens) {
    }

    /** The prompt assistant's tokens in the current period (the configured quota; held: calls in flight). */
    record TokenQuota(String unit, long limit, long held, long captured, long available, Instant periodStart,
                      Instant resetsAt) {
    }

    /** The quota of the current period, in video-seconds (seconds × the model's price factor). */
    record Quota(String unit, BigDecimal limit, BigDecimal held, BigDecimal captured, BigDecimal available,
                 Instant periodStart, Instant resetsAt) {
    }

    record Concurrency(int limit, int active, int waiting) {
    }

    @GetMapping("/api/video/quota")
    SeedEnvelope<Balance> own(Owner caller) {
        long started = clock.millis();
        return SeedEnvelope.of(balance(caller), clock.millis() - started);
    }

    @GetMapping("/api/admin/users/{owner}/quota")
    SeedEnvelope<Balance> ofUser(@PathVariable String owner) {
        long started = clock.millis();
        Balance balance = balance(Owner.parse(owner).orElseThrow(() -> TaskRejectedException.invalidField("owner",
                "INVALID_OWNER", "owner must be " + Owner.RULE)));
        return SeedEnvelope.of(balance, clock.millis() - started);
    }

    private record Row(Instant periodStart, Instant periodEnd, BigDecimal held, BigDecimal captured, int active,
                       int waiting, Integer maxConcurrent, BigDecimal quota, Instant tokenPeriodStart,
                       long tokensHeld, long tokensCaptured, long lastSeq) {
    }

    private Balance balance(Owner owner) {
        String accountId = AccountId.of(owner.value()).value();
        long head = catchUp.head(accountId);
        Row row = row(owner);
        if ((row == null ? -1 : row.lastSeq()) < head) { // behind the account's last event: wait, then read it again
            catchUp.awaitAccount(accountId, owner.value(), head, bound.writeWait());
            row = row(owner);
        }
        Instant now = clock.instant();
        Duration period = defaults.quotaPeriod();
        Instant start = Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), period.toMillis()) * period.toMillis());
        boolean current = row != null && start.equals(row.periodStart());
        BigDecimal held = current ? row.held() : BigDecimal.ZERO;
        BigDecimal captured = current ? row.captured() : BigDecimal.ZERO;
        BigDecimal limit = row != null && row.quota() != null ? row.quota() : defaults.quotaVideoSeconds();
        Quota quota = new Quota("video-seconds", limit, held, captured,
                limit.subtract(held).subtract(captured).max(BigDecimal.ZERO), start, start.plus(period));
        Concurrency slots = new Concurrency(row != null && row.maxConcurrent() != null ? row.maxConcurrent()
                : defaults.maxConcurrent(), row == null ? 0 : row.active(), row == null ? 0 : row.waiting());
        boolean ownLimits = row != null && (row.maxConcurrent() != null || row.quota() != null);
        boolean tokensCurrent = row != null && start.equals(row.tokenPeriodStart());
        long tokensHeld = tokensCurrent ? row.tokensHeld() : 0;
        long tokensCaptured = tokensCurrent ? row.tokensCaptured() : 0;
        TokenQuota tokens = new TokenQuota("tokens", defaults.quotaTokens(), tokensHeld, tokensCaptured,
                Math.max(0, defaults.quotaTokens() - tokensHeld - tokensCaptured), start, start.plus(period));
        return new Balance(owner.value(), quota, slots, ownLimits, tokens);
    }

    private Row row(Owner owner) {
        List<Row> rows = jdbc.query("select * from account_balance where owner = :owner",
                new MapSqlParameterSource("owner", owner.value()), (rs, i) -> new Row(
                        instant(rs.getTimestamp("period_start")), instant(rs.getTimestamp("period_end")),
                        rs.getBigDecimal("held"), rs.getBigDecimal("captured"), rs.getInt("active"), rs.getInt("waiting"),
                        (Integer) rs.getObject("max_concurrent"), rs.getBigDecimal("quota_video_seconds"),
                        instant(rs.getTimestamp("token_period_start")), rs.getLong("tokens_held"),
                        rs.getLong("tokens_captured"), rs.getLong("last_seq")));
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
