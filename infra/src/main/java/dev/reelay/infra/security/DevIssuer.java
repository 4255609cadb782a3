package dev.reelay.infra.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/** An RSA key made at start-up, held only in memory: tokens it signs die with the process. */
public final class DevIssuer {

    private static final Logger log = LoggerFactory.getLogger(DevIssuer.class);

    private final RSAKey key;

    /** A fresh key id per run: a token of an earlier run names a key this one does not have. */
    DevIssuer() {
        try {
            this.key = new RSAKeyGenerator(2048).keyID("reelay-dev-" + UUID.randomUUID()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot create the dev issuer's RSA key", e);
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
