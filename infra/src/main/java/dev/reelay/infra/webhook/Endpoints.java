package dev.reelay.infra.webhook;

import dev.reelay.infra.provider.StandardWebhooks;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.account.OwnerScope;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The {@code webhook_endpoint} rows: every read and write is scoped to an owner, or to everyone for an admin. */
@Component
class Endpoints {

    private static final String COLUMNS = "id, owner, url, events, description, enabled, disabled_reason, "
            + "consecutive_failures, previous_secret_until, created_at, updated_at";

    private final JdbcTemplate jdbc;
    private final SecretBox secrets;
    private final Clock clock;

    Endpoints(JdbcTemplate jdbc, SecretBox secrets, Clock clock) {
        this.jdbc = jdbc;
        this.secrets = secrets;
        this.clock = clock;
    }

    /** A new endpoint and its secret, the only time the secret leaves Reelay. */
    record Created(EndpointView endpoint, String secret) {
    }

    Created create(Owner owner, String url, List<String> events, String description) {
        String id = "whep_" + UUID.randomUUID().toString().replace("-", "");
        String secret = StandardWebhooks.newSecret();
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.update("insert into webhook_endpoint(id, owner, url, events, description, secret, enabled, created_at, "
                + "updated_at) values (?, ?, ?, ?, ?, ?, true, ?, ?)", id, owner.value(), url, String.join(",", events),
                description, secrets.seal(id, secret), now, now);
        return new Created(find(id, OwnerScope.only(owner)).orElseThrow(), secret);
    }

    List<EndpointView> list(OwnerScope scope) {
        return scope instanceof OwnerScope.Only only
                ? jdbc.query("select " + COLUMNS + " from webhook_endpoint where owner = ? order by created_at, id",
                        VIEW, only.owner().value())
                : jdbc.query("select " + COLUMNS + " from webhook_endpoint order by created_at, id", VIEW);
    }

    Optional<EndpointView> find(String id, OwnerScope scope) {
        List<EndpointView> found = scope instanceof OwnerScope.Only only
                ? jdbc.query("select " + COLUMNS + " from webhook_endpoint where id = ? and owner = ?", VIEW, id,
                        only.owner().value())
                : jdbc.query("select " + COLUMNS + " from webhook_endpoint where id = ?", VIEW, id);
        return found.stream().findFirst();
    }

    boolean delete(String id, OwnerScope scope) {
        return find(id, scope).map(e -> jdbc.update("delete from webhook_endpoint where id = ?", id) == 1).orElse(false);
    }

    /** Enabling clears the run of failures; disabling by hand holds the endpoint's queue until it is enabled again. */
    Optional<EndpointView> change(String id, OwnerScope scope, Boolean enabled, List<String> events, String description) {
        if (find(id, scope).isEmpty()) {
            return Optional.empty();
        }
        Timestamp now = Timestamp.from(clock.instant());
        if (enabled != null) {
            jdbc.update(enabled
                    ? "update webhook_endpoint set enabled = true, disabled_reason = null, consecutive_failures = 0, updated_at = ? where id = ?"
                    : "update webhook_endpoint set enabled = false, disabled_reason = 'MANUAL', updated_at = ? where id = ?", now, id);
        }
        if (events != null) {
            jdbc.update("update webhook_endpoint set events = ?, updated_at = ? where id = ?", String.join(",", events), now, id);
        }
        if (description != null) {
            jdbc.update("update webhook_endpoint set description = ?, updated_at = ? where id = ?", description, now, id);
        }
        return find(id, scope);
    }

    /** A new secret; the current one keeps signing beside it for {@code overlap}. */
    Optional<Created> rotate(String id, OwnerScope scope, Duration overlap) {
        if (find(id, scope).isEmpty()) {
            return Optional.empty();
        }
        String secret = StandardWebhooks.newSecret();
        Instant now = clock.instant();
        jdbc.update("update webhook_endpoint set previous_secret = secret, previous_secret_until = ?, secret = ?, "
                + "updated_at = ? where id = ?", Timestamp.from(now.plus(overlap)), secrets.seal(id, secret),
                Timestamp.from(now), id);
        return find(id, scope).map(view -> new Created(view, secret));
    }

    /** The secrets that sign a delivery now: the current one, and the previous one while its overlap lasts. */
    List<String> signingSecrets(String id, byte[] current, byte[] previous, Instant previousUntil) {
        List<String> all = new ArrayList<>(2);
        all.add(secrets.open(id, current));
        if (previous != null && previousUntil != null && previousUntil.isAfter(clock.instant())) {
            all.add(secrets.open(id, previous));
        }
        return all;
    }

    /** An enabled endpoint as the feed needs it: which event types it takes, and since when it exists. */
    record Subscription(String id, List<String> events, Instant createdAt) {

        /** Whether a delivery of {@code type} for an event that happened at {@code happenedAt} goes to this endpoint. */
        boolean takes(WebhookEventType type, Instant happenedAt) {
            return events.contains(type.wire) && !createdAt.isAfter(happenedAt);
        }
    }

    /** The enabled endpoints of {@code owner}, whatever they subscribed to. */
    List<Subscription> subscriptions(String owner) {
        return jdbc.query("select id, events, created_at from webhook_endpoint where owner = ? and enabled",
                (rs, n) -> new Subscription(rs.getString("id"), List.of(rs.getString("events").split(",")),
                        rs.getTimestamp("created_at").toInstant()), owner);
    }

    private static final RowMapper<EndpointView> VIEW = (rs, n) -> {
        boolean enabled = rs.getBoolean("enabled");
        String reason = rs.getString("disabled_reason");
        Timestamp previousUntil = rs.getTimestamp("previous_secret_until");
        return new EndpointView(rs.getString("id"), rs.getString("owner"), rs.getString("url"),
                List.of(rs.getString("events").split(",")), rs.getString("description"), enabled,
                enabled ? "ACTIVE" : "FAILING".equals(reason) ? "DISABLED_FAILING" : "DISABLED",
                rs.getInt("consecutive_failures"), previousUntil == null ? null : previousUntil.toInstant(),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
    };
}
