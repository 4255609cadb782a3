package dev.reelay.infra.security;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Single-use stream tickets: 256 random bits, stored only as a hash, valid for {@code reelay.sse.ticket-ttl}, consumed
 * by an atomic {@code DELETE … RETURNING} so a ticket opens exactly one stream on any node.
 */
@Component
class StreamTickets {

    private final SecureRandom random = new SecureRandom();
    private final JdbcTemplate jdbc;
    private final Duration ttl;
    private final Clock clock;

    StreamTickets(JdbcTemplate jdbc, @Value("${reelay.sse.ticket-ttl:60s}") Duration ttl, Clock clock) {
        this.jdbc = jdbc;
        this.ttl = ttl;
        this.clock = clock;
    }

    record Holder(String subject, List<String> roles) {
    }

    String issue(String subject, List<String> roles) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        jdbc.update("delete from stream_ticket where expires_at < ?", Timestamp.from(clock.instant()));
        jdbc.update("insert into stream_ticket(ticket_hash, subject, roles, expires_at) values (?, ?, ?, ?)",
                hash(ticket), subject, String.join(",", roles), Timestamp.from(clock.instant().plus(ttl)));
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
