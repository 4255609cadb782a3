package dev.reelay.infra.security;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The production decoder (external issuer, keys from a JWKS served over real HTTP) applies the same checks as the
 * dev issuer: allowed algorithms only, issuer, audience, and expiry with the configured small skew.
 */
class IssuerJwtConfigurationTest {

    private static final String ISSUER = "https://login.example.test/";
    private static MockWebServer jwks;
    private static RSAKey rsa;
    private static ECKey ec;
    private static JwtDecoder decoder;

    @BeforeAll
    static void start() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        String body = new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString();
        jwks = new MockWebServer();
        jwks.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return new MockResponse().setHeader("Content-Type", "application/json").setBody(body);
            }
        });
        jwks.start();
        SecurityProperties properties = new SecurityProperties(false, null, "reelay", Duration.ofSeconds(30), null,
                List.of("RS256"), Duration.ofHours(24), Duration.ofMinutes(5), 10_000);
        decoder = IssuerJwtConfiguration.decoder(ISSUER, jwks.url("/jwks.json").toString(), properties, Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        jwks.shutdown();
    }

    private static JWTClaimsSet claims(Consumer<JWTClaimsSet.Builder> change) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder().subject("alice").issuer(ISSUER).audience("reelay")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)));
        change.accept(builder);
        return builder.build();
    }

    private static String rs256(JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(rsa));
        return jwt.serialize();
    }

    @Test
    void aGoodTokenIsAccepted() throws Exception {
        assertThat(decoder.decode(rs256(claims(c -> { }))).getSubject()).isEqualTo("alice");
    }

    @Test
    void expiryAllowsTheConfiguredSkewAndNoMore() throws Exception {
        Instant now = Instant.now();
        Date issued = Date.from(now.minusSeconds(600));
        assertThat(decoder.decode(rs256(claims(c -> c.issueTime(issued).expirationTime(Date.from(now.minusSeconds(10))))))
                .getSubject()).isEqualTo("alice");
        assertThatThrownBy(() -> decoder.decode(rs256(claims(c -> c.issueTime(issued).expirationTime(Date.from(now.minusSeconds(90)))))))
                .isInstanceOf(JwtException.class).hasMessageContaining("expired");
    }

    @Test
    void aKeySetWithoutAnIssuerToCheckIsRefusedAtStartup() {
        SecurityProperties properties = new SecurityProperties(false, null, "reelay", Duration.ofSeconds(30), null,
                List.of("RS256"), Duration.ofHours(24), Duration.ofMinutes(5), 10_000);
        assertThatThrownBy(() -> IssuerJwtConfiguration.decoder("", jwks.url("/jwks.json").toString(), properties, Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("issuer-uri must be set");
    }

    @Test
    void aWrongIssuerOrAudienceIsRefused() {
        assertThatThrownBy(() -> decoder.decode(rs256(claims(c -> c.issuer("https://evil.example.test/")))))
                .isInstanceOf(JwtException.class).hasMessageContaining("iss");
        assertThatThrownBy(() -> decoder.decode(rs256(claims(c -> c.audience("someone-else")))))
                .isInstanceOf(JwtException.class).hasMessageContaining("aud");
    }

    @Test
    void algorithmsOutsideTheAllowedListAreRefusedEvenWithAKeyInTheSet() throws Exception {
        SignedJWT es = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).build(), claims(c -> { }));
        es.sign(new ECDSASigner(ec));
        assertThatThrownBy(() -> decoder.decode(es.serialize())).isInstanceOf(JwtException.class);

        String none = new PlainJWT(claims(c -> { })).serialize();
        assertThatThrownBy(() -> decoder.decode(none)).isInstanceOf(JwtException.class);

        // HMAC "confusion": signed with the RSA public modulus bytes as the shared secret
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(rsa.getKeyID()).build(), claims(c -> { }));
        hs.sign(new MACSigner(rsa.toPublicJWK().getModulus().decode()));
        assertThatThrownBy(() -> decoder.decode(hs.serialize())).isInstanceOf(JwtException.class);
    }

    @Test
    void aTamperedSignatureIsRefused() throws Exception {
        String token = rs256(claims(c -> { }));
        String[] parts = token.split("\\.");
        String forgedClaims = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                claims(c -> c.subject("root")).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThatThrownBy(() -> decoder.decode(parts[0] + "." + forgedClaims + "." + parts[2]))
                .isInstanceOf(JwtException.class);
    }

    @Test
    void aTokenWithoutAnExpiryIsRefused() {
        assertThatThrownBy(() -> decoder.decode(rs256(claims(c -> c.expirationTime(null)))))
                .isInstanceOf(JwtException.class).hasMessageContaining("exp");
    }

    @Test
    void aTokenValidForLongerThanTheMaximumLifetimeIsRefused() throws Exception {
        Instant now = Instant.now();
        assertThat(decoder.decode(rs256(claims(c -> c.expirationTime(Date.from(now.plus(Duration.ofHours(24))))))).getSubject())
                .isEqualTo("alice");
        assertThatThrownBy(() -> decoder.decode(rs256(claims(c -> c.expirationTime(Date.from(now.plus(Duration.ofHours(25))))))))
                .isInstanceOf(JwtException.class).hasMessageContaining("longer than");
        assertThatThrownBy(() -> decoder.decode(rs256(claims(c -> c.expirationTime(Date.from(now.plus(Duration.ofDays(365L * 300))))))))
                .isInstanceOf(JwtException.class).hasMessageContaining("longer than");
    }

    @Test
    void aTokenWithoutIssuedAtIsRefusedAsItsLifetimeCannotBeKnown() {
        Instant now = Instant.now();
        assertThatThrownBy(() -> decoder.decode(rs256(claims(c -> c.issueTime(null)
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))))))
                .isInstanceOf(JwtException.class).hasMessageContaining("iat");
        // not even one expiring within the skew, which an invented iat of exp - 1 s would let through
        assertThatThrownBy(() -> decoder.decode(rs256(claims(c -> c.issueTime(null)
                .expirationTime(Date.from(now.plusSeconds(5)))))))
                .isInstanceOf(JwtException.class).hasMessageContaining("iat");
    }

    @Test
    void aTokenIssuedInTheFutureCannotStretchItsLifetime() {
        Instant future = Instant.now().plus(Duration.ofDays(365L * 100));
        assertThatThrownBy(() -> decoder.decode(rs256(claims(c -> c.issueTime(Date.from(future))
                .expirationTime(Date.from(future.plusSeconds(60)))))))
                .isInstanceOf(JwtException.class).hasMessageContaining("iat");
    }

    @Test
    void aTokenWithoutAUsableSubjectIsRefused() {
        for (String subject : new String[]{null, "", "   ", "\u200B\u200B", "a".repeat(256), "ali\u0000ce", "bob\n", "\u0007"}) {
            assertThatThrownBy(() -> decoder.decode(rs256(claims(c -> c.subject(subject)))))
                    .as("subject %s", subject == null ? "missing" : subject.codePoints().mapToObj(Integer::toHexString).toList())
                    .isInstanceOf(JwtException.class).hasMessageContaining("subject");
        }
    }
}
