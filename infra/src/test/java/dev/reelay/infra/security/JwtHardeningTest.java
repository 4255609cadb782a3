package dev.reelay.infra.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The resource server accepts only RS256 tokens signed by the dev issuer's key, for the right issuer and audience,
 * inside their validity window (with the configured 30 s skew). Every forgery below is signed with the real key
 * where that makes the attack stronger, so a 401 proves the specific check, not just "bad signature".
 */
@ReelayIntegrationTest
class JwtHardeningTest {

    private static final List<String> PATHS = List.of("/api/video/tasks", "/v1/videos");

    @LocalServerPort
    int port;
    @Autowired
    DevIssuer issuer;
    @Autowired
    SecurityProperties properties;

    HttpApi api;

    @BeforeEach
    void setUp() {
        api = new HttpApi(port);
    }

    /** Each way a token can be wrong; {@link #mint} builds it with the live dev key where relevant. */
    enum BadToken {
        WRONG_ISSUER, WRONG_AUDIENCE, NO_AUDIENCE, EXPIRED_TWO_MINUTES_AGO, NOT_BEFORE_IN_FIVE_MINUTES, ALG_NONE_UNSIGNED,
        HS256_RANDOM_SECRET, HS256_WITH_RSA_PUBLIC_KEY_DER_AS_SECRET, HS256_WITH_RSA_PUBLIC_KEY_PEM_AS_SECRET,
        SIGNATURE_TAMPERED, PAYLOAD_TAMPERED_TO_ADMIN, OTHER_RSA_KEY_SAME_KID, OTHER_RSA_KEY_WITH_EMBEDDED_JWK,
        RS512_WITH_REAL_KEY, SIGNATURE_STRIPPED, NO_SUBJECT, BLANK_SUBJECT, INVISIBLE_SUBJECT, OVER_LONG_SUBJECT,
        NUL_IN_SUBJECT, CONTROL_CHARACTER_IN_SUBJECT, NO_EXPIRY, VALID_FOR_CENTURIES, LONGER_THAN_THE_MAXIMUM_LIFETIME,
        ISSUED_IN_THE_FUTURE, NO_ISSUED_AT
    }

    static Stream<Arguments> badTokens() {
        return Arrays.stream(BadToken.values()).flatMap(t -> PATHS.stream().map(p -> Arguments.of(t, p)));
    }

    @ParameterizedTest(name = "{0} on GET {1} is 401")
    @MethodSource("badTokens")
    void aForgedOrInvalidTokenIsRefused(BadToken kind, String path) throws Exception {
        String token = mint(kind);
        HttpApi.Response response = api.get(path, token);
        assertThat(response.status()).as("%s on %s -> %s %s", kind, path, response.status(), response.body())
                .isEqualTo(401);
        assertUnauthorizedShape(path, response);
    }

    @ParameterizedTest(name = "a correctly minted token is accepted on GET {0}")
    @ValueSource(strings = {"/api/video/tasks", "/v1/videos"})
    void aCorrectlyMintedTokenIsAccepted(String path) throws Exception {
        Instant now = Instant.now();
        String token = sign(issuer.key(), JWSAlgorithm.RS256, issuer.key().getKeyID(), claims(now).build());
        HttpApi.Response response = api.get(path, token);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    @ParameterizedTest(name = "a token that expired 10 s ago (inside the skew) is accepted on GET {0}")
    @ValueSource(strings = {"/api/video/tasks", "/v1/videos"})
    void aTokenExpiredWithinTheClockSkewIsAccepted(String path) throws Exception {
        assertThat(properties.clockSkew()).as("the test assumes the default 30 s skew").hasSeconds(30);
        Instant now = Instant.now();
        String token = sign(issuer.key(), JWSAlgorithm.RS256, issuer.key().getKeyID(),
                claims(now).issueTime(Date.from(now.minusSeconds(3600))).expirationTime(Date.from(now.minusSeconds(10))).build());
        HttpApi.Response response = api.get(path, token);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    @Test
    void theDevIssuersOwnTokenIsAcceptedAsAControl() {
        String token = api.token("jwt-control");
        for (String path : PATHS) {
            assertThat(api.get(path, token).status()).as(path).isEqualTo(200);
        }
    }

    // ---------------------------------------------------------------- minting

    private String mint(BadToken kind) throws Exception {
        RSAKey real = issuer.key();
        String kid = real.getKeyID();
        Instant now = Instant.now();
        return switch (kind) {
            case WRONG_ISSUER -> sign(real, JWSAlgorithm.RS256, kid, claims(now).issuer("https://evil.example").build());
            case WRONG_AUDIENCE -> sign(real, JWSAlgorithm.RS256, kid, claims(now).audience("not-reelay").build());
            case NO_AUDIENCE -> sign(real, JWSAlgorithm.RS256, kid, claims(now).audience((String) null).build());
            case EXPIRED_TWO_MINUTES_AGO -> sign(real, JWSAlgorithm.RS256, kid, claims(now)
                    .issueTime(Date.from(now.minusSeconds(3600))).expirationTime(Date.from(now.minusSeconds(120))).build());
            case NOT_BEFORE_IN_FIVE_MINUTES -> sign(real, JWSAlgorithm.RS256, kid, claims(now)
                    .notBeforeTime(Date.from(now.plusSeconds(300))).build());
            case ALG_NONE_UNSIGNED -> new PlainJWT(claims(now).build()).serialize();
            case HS256_RANDOM_SECRET -> hmac(randomBytes(32), kid, claims(now).build());
            case HS256_WITH_RSA_PUBLIC_KEY_DER_AS_SECRET -> hmac(real.toRSAPublicKey().getEncoded(), kid, claims(now).build());
            case HS256_WITH_RSA_PUBLIC_KEY_PEM_AS_SECRET -> hmac(pem(real.toRSAPublicKey().getEncoded()), kid, claims(now).build());
            case SIGNATURE_TAMPERED -> {
                String[] parts = sign(real, JWSAlgorithm.RS256, kid, claims(now).build()).split("\\.");
                byte[] signature = Base64URL.from(parts[2]).decode();
                signature[signature.length / 2] ^= 0x01;
                yield parts[0] + "." + parts[1] + "." + Base64URL.encode(signature);
            }
            case PAYLOAD_TAMPERED_TO_ADMIN -> {
                String[] parts = sign(real, JWSAlgorithm.RS256, kid, claims(now).build()).split("\\.");
                JWTClaimsSet escalated = claims(now).subject("root").claim("roles", List.of("admin")).build();
                yield parts[0] + "." + Base64URL.encode(escalated.toString()) + "." + parts[2];
            }
            case OTHER_RSA_KEY_SAME_KID -> sign(new RSAKeyGenerator(2048).keyID(kid).generate(), JWSAlgorithm.RS256, kid,
                    claims(now).build());
            case OTHER_RSA_KEY_WITH_EMBEDDED_JWK -> {
                RSAKey attacker = new RSAKeyGenerator(2048).keyID(kid).generate();
                SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid)
                        .jwk(attacker.toPublicJWK()).type(JOSEObjectType.JWT).build(), claims(now).build());
                jwt.sign(new RSASSASigner(attacker));
                yield jwt.serialize();
            }
            case RS512_WITH_REAL_KEY -> sign(real, JWSAlgorithm.RS512, kid, claims(now).build());
            case NO_SUBJECT -> sign(real, JWSAlgorithm.RS256, kid, claims(now).subject(null).build());
            case BLANK_SUBJECT -> sign(real, JWSAlgorithm.RS256, kid, claims(now).subject(" \t ").build());
            case INVISIBLE_SUBJECT -> sign(real, JWSAlgorithm.RS256, kid, claims(now).subject("\u200B\u2060\u3164").build());
            case OVER_LONG_SUBJECT -> sign(real, JWSAlgorithm.RS256, kid, claims(now).subject("m".repeat(256)).build());
            case NUL_IN_SUBJECT -> sign(real, JWSAlgorithm.RS256, kid, claims(now).subject("mallory\u0000").build());
            case CONTROL_CHARACTER_IN_SUBJECT -> sign(real, JWSAlgorithm.RS256, kid, claims(now).subject("mal\u001Blory").build());
            case NO_EXPIRY -> sign(real, JWSAlgorithm.RS256, kid, claims(now).expirationTime(null).build());
            case VALID_FOR_CENTURIES -> sign(real, JWSAlgorithm.RS256, kid, claims(now)
                    .expirationTime(Date.from(now.plus(java.time.Duration.ofDays(365L * 500)))).build());
            case LONGER_THAN_THE_MAXIMUM_LIFETIME -> sign(real, JWSAlgorithm.RS256, kid, claims(now)
                    .expirationTime(Date.from(now.plus(properties.maxTokenLifetime()).plusSeconds(120))).build());
            case ISSUED_IN_THE_FUTURE -> sign(real, JWSAlgorithm.RS256, kid, claims(now)
                    .issueTime(Date.from(now.plus(java.time.Duration.ofDays(36500))))
                    .expirationTime(Date.from(now.plus(java.time.Duration.ofDays(36500)).plusSeconds(60))).build());
            case NO_ISSUED_AT -> sign(real, JWSAlgorithm.RS256, kid, claims(now).issueTime(null).build());
            case SIGNATURE_STRIPPED -> {
                String[] parts = sign(real, JWSAlgorithm.RS256, kid, claims(now).build()).split("\\.");
                yield parts[0] + "." + parts[1] + ".";
            }
        };
    }

    /** Claims the server would accept: the dev issuer's name, the audience, valid now, role user. */
    private JWTClaimsSet.Builder claims(Instant now) {
        return new JWTClaimsSet.Builder()
                .issuer(properties.devIssuerName())
                .audience(properties.audience())
                .subject("mallory")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(600)))
                .claim("roles", List.of("user"));
    }

    private static String sign(RSAKey key, JWSAlgorithm alg, String kid, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static String hmac(byte[] secret, String kid, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }

    private static byte[] pem(byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return ("-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    /** A refused token is answered in the route's error dialect and says nothing about why beyond "unauthenticated". */
    private static void assertUnauthorizedShape(String path, HttpApi.Response response) {
        assertThat(response.header("WWW-Authenticate")).as("WWW-Authenticate on %s", path).startsWith("Bearer");
        JsonNode body = response.json();
        if (path.startsWith("/v1/")) {
            assertThat(body.at("/error/type").asText()).as(response.body()).isEqualTo("authentication_error");
        } else {
            assertThat(response.contentType()).as(response.body()).startsWith("application/problem+json");
            assertThat(body.path("status").asInt()).isEqualTo(401);
            assertThat(body.path("code").asText()).isEqualTo("UNAUTHENTICATED");
        }
    }
}
