package dev.reelay.infra.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;

import java.io.IOException;
import java.text.ParseException;
import java.util.Optional;

/**
 * Checks a checkpoint's JWS against a public key and reads its claims: used by the verify route (with the configured
 * key) and by the offline {@code verify-audit} mode (with the key the auditor holds), so both trust the same bytes.
 */
final class CheckpointSignatures {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointSignatures() {
    }

    /** The signed claims when {@code jws} is an ES256 signature by {@code publicKey}; empty otherwise. */
    static Optional<AuditCheckpoints.Claims> verify(String jws, ECKey publicKey) {
        try {
            JWSObject parsed = JWSObject.parse(jws);
            if (!JWSAlgorithm.ES256.equals(parsed.getHeader().getAlgorithm())
                    || !parsed.verify(new ECDSAVerifier(publicKey.toECPublicKey()))) {
                return Optional.empty();
            }
            AuditCheckpoints.Claims claims = JSON.readValue(parsed.getPayload().toString(), AuditCheckpoints.Claims.class);
            return AuditCheckpoints.Claims.CHAIN.equals(claims.chain()) ? Optional.of(claims) : Optional.empty();
        } catch (ParseException | JOSEException | IOException e) {
            return Optional.empty();
        }
    }
}
