package dev.reelay.infra.idempotency;

import dev.reelay.command.port.IdempotencyStore;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Idempotency keys in PostgreSQL, per owner and route family, kept for {@code reelay.idempotency.ttl}. The claim is
 * an {@code INSERT … ON CONFLICT} that takes over only an expired key, so two concurrent requests with one key
 * cannot both run.
 */
@Component
class JdbcIdempotencyStore implements IdempotencyStore {

    private final JdbcTemplate jdbc;
    private final Duration ttl;
    private final Clock clock;

    JdbcIdempotencyStore(JdbcTemplate jdbc, IdempotencyProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.ttl = properties.ttl();
        this.clock = clock;
    }

    @Override
    public Claim claim(String owner, RouteFamily family, String key, String requestHash) {
        Instant now = clock.instant();
        String scope = scope(family);
        Timestamp expires = Timestamp.from(now.plus(ttl));
        // one statement: a new key is inserted, an expired one is taken over, a live one is left alone
        int inserted = jdbc.update("insert into idempotency_key(owner, route_family, idem_key, request_hash, created_at, "
                + "expires_at) values (?, ?, ?, ?, ?, ?) on conflict (owner, route_family, idem_key) do update set "
                + "request_hash = excluded.request_hash, response_status = null, response_body = null, "
                + "created_at = excluded.created_at, expires_at = excluded.expires_at where idempotency_key.expires_at < ?",
                owner, scope, key, requestHash, Timestamp.from(now), expires, Timestamp.from(now));
        if (inserted == 1) {
            return Claim.of(Outcome.CLAIMED);
        }
        List<Map<String, Object>> rows = jdbc.queryForList(
                "select request_hash, response_status, response_body from idempotency_key "
                        + "where owner = ? and route_family = ? and idem_key = ?", owner, scope, key);
        if (rows.isEmpty()) {
            return claim(owner, family, key, requestHash); // released in between: try again
        }
        Map<String, Object> row = rows.get(0);
        if (!requestHash.equals(row.get("request_hash"))) {
            return Claim.of(Outcome.DIFFERENT_REQUEST);
        }
        if (row.get("response_status") == null) {
            return Claim.of(Outcome.IN_PROGRESS);
        }
        return new Claim(Outcome.REPLAY, Optional.of(new StoredResponse(((Number) row.get("response_status")).intValue(),
                (String) row.get("response_body"))));
    }

    @Override
    public void complete(String owner, RouteFamily family, String key, int status, String responseBody) {
        jdbc.update("update idempotency_key set response_status = ?, response_body = ? "
                + "where owner = ? and route_family = ? and idem_key = ?", status, responseBody, owner, scope(family), key);
    }

    @Override
    public void release(String owner, RouteFamily family, String key) {
        jdbc.update("delete from idempotency_key where owner = ? and route_family = ? and idem_key = ? "
                + "and response_status is null", owner, scope(family), key);
    }

    private static String scope(RouteFamily family) {
        return family.name().toLowerCase(Locale.ROOT);
    }

    /** Housekeeping: drop keys past their time to live. */
    int purgeExpired() {
        return jdbc.update("delete from idempotency_key where expires_at < ?", Timestamp.from(clock.instant()));
    }
}
