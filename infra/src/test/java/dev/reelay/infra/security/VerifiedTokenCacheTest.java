package dev.reelay.infra.security;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A node verifies a token's signature once and remembers it, but every request still passes every token rule: the
 * cache saves the RSA work, never a check (issue 16).
 */
class VerifiedTokenCacheTest {

    private static final String ISSUER = "reelay-dev-issuer";
    private static final SecurityProperties PROPERTIES = properties(Duration.ofMinutes(5), 10_000);
    private static RSAKey key;

    @BeforeAll
    static void key() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("cache-test").generate();
    }

    private static SecurityProperties properties(Duration ttl, int size) {
        return new SecurityProperties(true, ISSUER, "reelay", Duration.ofSeconds(30), Duration.ofHours(1),
                List.of("RS256"), Duration.ofHours(24), ttl, size);
    }

    private static OAuth2TokenValidator<Jwt> rules(Clock clock) {
        return TokenRules.validator(ISSUER, PROPERTIES, clock);
    }

    /** The dev issuer's decoder, as JwtConfiguration builds it, counting the tokens it is asked to verify. */
    private static JwtDecoder verifier(AtomicInteger verifications) throws Exception {
        NimbusJwtDecoder nimbus = NimbusJwtDecoder.withPublicKey(key.toRSAPublicKey())
                .signatureAlgorithm(SignatureAlgorithm.RS256).build();
        nimbus.setClaimSetConverter(TokenRules.claimsAsSent());
        nimbus.setJwtValidator(rules(Clock.systemUTC()));
        return token -> {
            verifications.incrementAndGet();
            return nimbus.decode(token);
        };
    }

    private static String token(Instant issued, Duration lifetime) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().subject("alice").issuer(ISSUER).audience("reelay")
                        .issueTime(Date.from(issued)).expirationTime(Date.from(issued.plus(lifetime))).build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    @Test
    void aTokenIsVerifiedOnceAndThenServedFromMemory() throws Exception {
        AtomicInteger verifications = new AtomicInteger();
        JwtDecoder decoder = VerifiedTokenCache.around(verifier(verifications), rules(Clock.systemUTC()), PROPERTIES);
        String token = token(Instant.now(), Duration.ofMinutes(10));

        for (int i = 0; i < 5; i++) {
            assertThat(decoder.decode(token).getSubject()).isEqualTo("alice");
        }
        assertThat(verifications).hasValue(1);
    }

    @Test
    void aRememberedTokenStillPassesEveryRuleOnEveryRequest() throws Exception {
        AtomicInteger verifications = new AtomicInteger();
        // the rules on the remembered path see a clock 20 minutes on: the 10-minute token has expired by then
        JwtDecoder decoder = VerifiedTokenCache.around(verifier(verifications),
                rules(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(20))), PROPERTIES);
        String token = token(Instant.now(), Duration.ofMinutes(10));

        assertThat(decoder.decode(token).getSubject()).isEqualTo("alice");
        assertThatThrownBy(() -> decoder.decode(token)).isInstanceOf(JwtException.class).hasMessageContaining("expired");
        assertThat(verifications).hasValue(1);
    }

    @Test
    void aTokenThatFailsIsNeverRemembered() throws Exception {
        AtomicInteger verifications = new AtomicInteger();
        JwtDecoder decoder = VerifiedTokenCache.around(verifier(verifications), rules(Clock.systemUTC()), PROPERTIES);
        String good = token(Instant.now(), Duration.ofMinutes(10));
        String forged = good.substring(0, good.lastIndexOf('.') + 1) + "AAAA" + good.substring(good.lastIndexOf('.') + 5);
        String tooLong = token(Instant.now(), Duration.ofHours(48));

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> decoder.decode(forged)).isInstanceOf(JwtException.class);
            assertThatThrownBy(() -> decoder.decode(tooLong)).isInstanceOf(JwtException.class)
                    .hasMessageContaining("valid for longer than");
        }
        assertThat(verifications).as("each refused token is verified again").hasValue(4);
    }

    @Test
    void aZeroTtlOrSizeLeavesTheVerifierAlone() throws Exception {
        JwtDecoder verifier = verifier(new AtomicInteger());
        assertThat(VerifiedTokenCache.around(verifier, rules(Clock.systemUTC()), properties(Duration.ZERO, 10)))
                .isSameAs(verifier);
        assertThat(VerifiedTokenCache.around(verifier, rules(Clock.systemUTC()), properties(Duration.ofMinutes(1), 0)))
                .isSameAs(verifier);
    }
}
