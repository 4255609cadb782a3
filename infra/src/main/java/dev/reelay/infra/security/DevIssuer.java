package dev.reelay.infra.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

import java.text.ParseException;
import java.util.UUID;

/**
 * The dev issuer's RSA key, kept in PostgreSQL ({@code dev_issuer_key}): the first node that starts makes it, every
 * other node on the same database reads it, so a token minted on one node is accepted by all of them (and by the
 * next run on the same data directory, until it expires). Dev issuer only: production has no key here.
 */
public final class DevIssuer {

    private static final Logger log = LoggerFactory.getLogger(DevIssuer.class);
    private static final String PURPOSE = "dev-issuer";

    private final RSAKey key;

    /** Insert-if-absent, then read back: two nodes starting at once end with the same key. */
    DevIssuer(JdbcTemplate jdbc) {
        try {
            RSAKey candidate = new RSAKeyGenerator(2048).keyID("reelay-dev-" + UUID.randomUUID()).generate();
            jdbc.update("insert into dev_issuer_key(purpose, jwk) values (?, ?) on conflict (purpose) do nothing",
                    PURPOSE, candidate.toJSONString());
            this.key = RSAKey.parse(jdbc.queryForObject("select jwk from dev_issuer_key where purpose = ?",
                    String.class, PURPOSE));
        } catch (JOSEException | ParseException e) {
            throw new IllegalStateException("cannot create or read the dev issuer's RSA key", e);
        }
        log.warn("*** DEV ISSUER ON: anyone can mint tokens at POST /dev/token. Never run this in production: "
                + "set reelay.security.dev-issuer=false and configure an external issuer. ***");
    }

    RSAKey key() {
        return key;
    }

    ImmutableJWKSet<com.nimbusds.jose.proc.SecurityContext> jwkSource() {
        return new ImmutableJWKSet<>(new JWKSet(key));
    }

    JWKSet publicJwks() {
        return new JWKSet(key.toPublicJWK());
    }
}
