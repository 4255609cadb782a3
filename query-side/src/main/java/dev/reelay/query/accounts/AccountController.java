package dev.reelay.query.accounts;

import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.account.Owner;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A user's guardrails as they stand: the quota of the current period (limit, held, captured, available, when it
 * resets) and the concurrency slots (limit, active, waiting). Users see their own; admins anyone's.
 */
@RestController
@Transactional(readOnly = true)
class AccountController {

    private final NamedParameterJdbcTemplate jdbc;
    private final AccountDefaults defaults;
    private final Clock clock;

    AccountController(NamedParameterJdbcTemplate jdbc, AccountDefaults defaults, Optional<Clock> clock) {
        this.jdbc = jdbc;
        this.defaults = defaults;
        this.clock = clock.orElse(Clock.systemUTC());
    }

    @GetMapping("/api/video/quota")
    Map<String, Object> own(Owner caller) {
        return envelope(balance(caller));
    }

    @GetMapping("/api/admin/users/{owner}/quota")
    Map<String, Object> ofUser(@PathVariable String owner) {
        return envelope(balance(Owner.parse(owner).orElseThrow(() -> TaskRejectedException.invalidField("owner",
                "INVALID_OWNER", "owner must be " + Owner.RULE))));
    }

    private record Row(Instant periodStart, Instant periodEnd, BigDecimal held, BigDecimal captured, int active,
                       int waiting, Integer maxConcurrent, BigDecimal quota) {
    }

    private Map<String, Object> balance(Owner owner) {
        List<Row> rows = jdbc.query("select * from account_balance where owner = :owner",
                new MapSqlParameterSource("owner", owner.value()), (rs, i) -> new Row(
                        instant(rs.getTimestamp("period_start")), instant(rs.getTimestamp("period_end")),
                        rs.getBigDecimal("held"), rs.getBigDecimal("captured"), rs.getInt("active"), rs.getInt("waiting"),
                        (Integer) rs.getObject("max_concurrent"), rs.getBigDecimal("quota_video_seconds")));
        Row row = rows.isEmpty() ? null : rows.get(0);
        Instant now = clock.instant();
        Duration period = defaults.quotaPeriod();
        Instant start = Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), period.toMillis()) * period.toMillis());
        boolean current = row != null && start.equals(row.periodStart());
        BigDecimal held = current ? row.held() : BigDecimal.ZERO;
        BigDecimal captured = current ? row.captured() : BigDecimal.ZERO;
        BigDecimal limit = row != null && row.quota() != null ? row.quota() : defaults.quotaVideoSeconds();
        Map<String, Object> quota = new LinkedHashMap<>();
        quota.put("unit", "video-seconds");
        quota.put("limit", limit);
        quota.put("held", held);
        quota.put("captured", captured);
        quota.put("available", limit.subtract(held).subtract(captured).max(BigDecimal.ZERO));
        quota.put("periodStart", start);
        quota.put("resetsAt", start.plus(period));
        Map<String, Object> slots = new LinkedHashMap<>();
        slots.put("limit", row != null && row.maxConcurrent() != null ? row.maxConcurrent() : defaults.maxConcurrent());
        slots.put("active", row == null ? 0 : row.active());
        slots.put("waiting", row == null ? 0 : row.waiting());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("owner", owner.value());
        data.put("quota", quota);
        data.put("concurrency", slots);
        data.put("ownLimits", row != null && (row.maxConcurrent() != null || row.quota() != null));
        return data;
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    private static Map<String, Object> envelope(Map<String, Object> data) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("success", true);
        envelope.put("data", data);
        return envelope;
    }
}
