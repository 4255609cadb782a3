package dev.reelay.infra.security;

import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.RetryLaterException;
import dev.reelay.query.live.LiveStreamProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Single-use stream tickets: 256 random bits, stored only as a hash, valid for {@code reelay.sse.ticket-ttl}, consumed
 * by an atomic {@code DELETE … RETURNING} so a ticket opens exactly one stream on any node. A user holds at most
 * {@code reelay.sse.max-tickets-per-user} unused tickets; the count and the insert run under a per-user advisory lock,
 * so the bound holds across nodes.
 */
@Component
class StreamTickets {

    private final SecureRandom random = new SecureRandom();
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final Duration ttl;
    private final int maxPerUser;
    private final Clock clock;

    StreamTickets(JdbcTemplate jdbc, TransactionTemplate transaction, LiveStreamProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.ttl = properties.ticketTtl();
        this.maxPerUser = properties.maxTicketsPerUser();
        this.clock = clock;
    }

    record Holder(String subject, List<String> roles) {
    }

    String issue(String subject, List<String> roles) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Instant now = clock.instant();
        transaction.executeWithoutResult(status -> {
            jdbc.query("select pg_advisory_xact_lock(hashtext(?))", rs -> { }, "stream_ticket:" + subject);
            jdbc.update("delete from stream_ticket where expires_at < ?", Timestamp.from(now));
            List<Timestamp> unused = jdbc.queryForList(
                    "select expires_at from stream_ticket where subject = ? order by expires_at", Timestamp.class, subject);
            if (unused.size() >= maxPerUser) {
                Duration untilOneExpires = Duration.between(now, unused.get(0).toInstant());
                throw new RetryLaterException(ErrorCode.TOO_MANY_STREAM_TICKETS, "You hold " + unused.size()
                        + " unused stream tickets; use one or let it expire first", untilOneExpires);
            }
            jdbc.update("insert into stream_ticket(ticket_hash, subject, roles, expires_at) values (?, ?, ?, ?)",
                    hash(ticket), subject, String.join(",", roles), Timestamp.from(now.plus(ttl)));
        });
        return ticket;
    }

    Optional<Holder> consume(String ticket) {
        if (ticket == null || !ticket.matches("[A-Za-z0-9_-]{43}")) {
            return Optional.empty();
        }
        return jdbc.query("delete from stream_ticket where ticket_hash = ? and expires_at >= ? returning subject, roles",
                (rs, i) -> new Holder(rs.getString(1), List.of(rs.getString(2).split(","))), hash(ticket),
                Timestamp.from(clock.instant())).stream().findFirst();
    }

    Duration ttl() {
        return ttl;
    }

    private static String hash(String ticket) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ticket.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
