package dev.reelay.infra.audit;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;

/** The public checkpoint key as a JWK (RFC 7517): what an auditor keeps to check checkpoints with. */
record PublicJwk(String kty, String crv, String x, String y, String kid, String alg, String use) {

    static PublicJwk of(JWK jwk) {
        ECKey key = jwk.toECKey();
        return new PublicJwk("EC", key.getCurve().getName(), key.getX().toString(), key.getY().toString(),
                key.getKeyID(), "ES256", "sig");
    }
}
