package dev.reelay.infra.persistence;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.security.SecureRandom;

/**
 * Random 256-bit keys shared by every node of one database, one per purpose ({@code url_signing_key}): the first node
 * to need one inserts it ({@code ON CONFLICT DO NOTHING}) and every node reads back the row that won. Callers keep the
 * key in memory; it never leaves the database and them.
 */
@Component
public class SharedKeys {

    private final JdbcTemplate jdbc;
    private final SecureRandom random = new SecureRandom();

    public SharedKeys(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The key for {@code purpose}, made now if no node made it before. */
    public byte[] key(String purpose) {
        byte[] candidate = new byte[32];
        random.nextBytes(candidate);
        jdbc.update("insert into url_signing_key(purpose, secret) values (?, ?) on conflict (purpose) do nothing",
                purpose, candidate);
        return jdbc.queryForObject("select secret from url_signing_key where purpose = ?", byte[].class, purpose);
    }
}
