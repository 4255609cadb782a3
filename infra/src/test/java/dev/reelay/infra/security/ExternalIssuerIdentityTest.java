package dev.reelay.infra.security;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app as production runs it: an external issuer whose keys are served over real HTTP, tokens signed with that
 * issuer's key. A token with a good signature, issuer and audience but no usable subject, no {@code exp}, or a
 * lifetime beyond {@code reelay.security.max-token-lifetime} is a 401 on every route, read or write; it never lists
 * anyone's tasks or totals.
 */
@ReelayIntegrationTest
class ExternalIssuerIdentityTest {

    private static final String ISSUER = "https://login.example.test/";
    private static final RSAKey KEY;
    private static final MockWebServer JWKS = new MockWebServer();

    static {
        try {
            KEY = new RSAKeyGenerator(2048).keyID("issuer-test-1").generate();
            String body = new JWKSet(KEY.toPublicJWK()).toString();
            JWKS.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    return new MockResponse().setHeader("Content-Type", "application/json").setBody(body);
                }
            });
            JWKS.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void externalIssuer(DynamicPropertyRegistry registry) {
        registry.add("reelay.security.dev-issuer", () -> "false");
        registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", () -> ISSUER);
        registry.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", () -> JWKS.url("/jwks.json").toString());
        registry.add("reelay.security.max-token-lifetime", () -> "12h");
    }

    @AfterAll
    static void stop() throws IOException {
        JWKS.shutdown();
    }

    @LocalServerPort
    int port;
    HttpApi api;

    @BeforeEach
    void setUp() {
        api = new HttpApi(port);
    }

    /** Subjects the probe tried, each with an otherwise perfect token. */
    enum Subject {
        MISSING(null), EMPTY(""), BLANK("   "), ZERO_WIDTH_ONLY("\u200B\u200B\uFEFF"), OVER_255("u".repeat(256)),
        NUL("alice\u0000"), NUL_ONLY("\u0000"), NEWLINE("alice\nadmin"), ESCAPE("\u001B[31malice"), DEL("alice\u007F"),
        C1_CONTROL("alice\u0085"), LONE_SURROGATE("alice\uD800");

        final String value;

        Subject(String value) {
            this.value = value;
        }
    }

    /** Every kind of route: reads (own list, stats, quota, OpenAI list, stream), writes (create, remix, cancel, delete). */
    private static final List<String[]> ROUTES = List.of(
            new String[]{"GET", "/api/video/tasks"}, new String[]{"GET", "/api/video/tasks?all=true"},
            new String[]{"GET", "/api/video/stats"}, new String[]{"GET", "/api/video/quota"},
            new String[]{"GET", "/v1/videos"}, new String[]{"GET", "/api/video/tasks/stream"},
            new String[]{"POST", "/api/video/tasks"}, new String[]{"POST", "/v1/videos"},
            new String[]{"POST", "/api/video/stream-tickets"},
            new String[]{"POST", "/api/video/tasks/video_00000000-0000-0000-0000-000000000000/cancel"},
            new String[]{"POST", "/api/video/tasks/video_00000000-0000-0000-0000-000000000000/remix"},
            new String[]{"DELETE", "/v1/videos/video_00000000-0000-0000-0000-000000000000"});

    @ParameterizedTest(name = "a token whose subject is {0} is refused on every route")
    @EnumSource(Subject.class)
    void aTokenWithoutAUsableSubjectIsRefusedOnEveryRoute(Subject subject) throws Exception {
        String alices = created(token(c -> c.subject("alice-" + subject.name().toLowerCase())));
        String token = subject == Subject.LONE_SURROGATE ? rawToken("alice\\ud800") : token(c -> c.subject(subject.value));
        for (String[] route : ROUTES) {
            HttpApi.Response response = call(route[0], route[1], token);
            assertThat(response.status()).as("%s %s with subject %s -> %s", route[0], route[1], subject, response.body())
                    .isEqualTo(401);
            assertThat(response.body()).doesNotContain(alices).doesNotContain("alice");
            assertThat(response.header("WWW-Authenticate")).startsWith("Bearer");
        }
    }

    @Test
    void aGoodTokenSeesOnlyItsOwnTasksAndStatsAsAControl() throws Exception {
        String alices = created(token(c -> c.subject("alice-control")));
        String bob = token(c -> c.subject("bob-control"));
        HttpApi.Response list = api.get("/api/video/tasks", bob);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).doesNotContain(alices);
        HttpApi.Response stats = api.get("/api/video/stats", bob);
        assertThat(stats.json().at("/data/scope").asText()).isEqualTo("own");
        assertThat(stats.json().at("/data/total").asLong()).isZero();
    }

    @Test
    void aTokenWithoutAnExpiryIsRefused() throws Exception {
        HttpApi.Response response = api.get("/api/video/tasks", token(c -> c.expirationTime(null)));
        assertThat(response.status()).as(response.body()).isEqualTo(401);
    }

    @Test
    void aTokenValidForCenturiesIsRefused() throws Exception {
        Instant now = Instant.now();
        HttpApi.Response response = api.get("/api/video/tasks",
                token(c -> c.expirationTime(Date.from(now.plus(Duration.ofDays(365L * 300))))));
        assertThat(response.status()).as(response.body()).isEqualTo(401);
    }

    @Test
    void theMaximumLifetimeIsMeasuredFromIssuedAt() throws Exception {
        Instant now = Instant.now();
        // issued 11 h ago for 13 h: only 2 h left, but its lifetime exceeds the configured 12 h
        String tooLong = token(c -> c.issueTime(Date.from(now.minus(Duration.ofHours(11))))
                .expirationTime(Date.from(now.plus(Duration.ofHours(2)))));
        assertThat(api.get("/api/video/tasks", tooLong).status()).isEqualTo(401);
        String withinLimit = token(c -> c.issueTime(Date.from(now.minus(Duration.ofHours(10))))
                .expirationTime(Date.from(now.plus(Duration.ofHours(2)))));
        assertThat(api.get("/api/video/tasks", withinLimit).status()).isEqualTo(200);
    }

    @Test
    void aTokenWithoutIssuedAtIsRefused() throws Exception {
        Instant now = Instant.now();
        HttpApi.Response response = api.get("/api/video/tasks", token(c -> c.issueTime(null)
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(10))))));
        assertThat(response.status()).as(response.body()).isEqualTo(401);
    }

    private String created(String token) {
        HttpApi.Response created = api.postJson("/api/video/tasks", token,
                "{\"prompt\":\"a secret prompt of alice\",\"model\":\"sora-2\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }

    private HttpApi.Response call(String method, String path, String token) {
        String body = method.equals("POST") ? "{\"prompt\":\"p\",\"model\":\"sora-2\"}" : null;
        return api.send(method, path, token, body == null ? null : "application/json",
                body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of());
    }

    /** A token whose subject is written into the JSON as given, escapes included (a lone surrogate survives only so). */
    private static String rawToken(String subjectJson) throws Exception {
        long now = Instant.now().getEpochSecond();
        String payload = "{\"iss\":\"" + ISSUER + "\",\"aud\":\"reelay\",\"sub\":\"" + subjectJson + "\",\"iat\":" + now
                + ",\"exp\":" + (now + 600) + ",\"roles\":[\"user\"]}";
        JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(KEY.getKeyID())
                .type(JOSEObjectType.JWT).build(), new Payload(payload));
        jws.sign(new RSASSASigner(KEY));
        return jws.serialize();
    }

    private static String token(UnaryOperator<JWTClaimsSet.Builder> change) throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet claims = change.apply(new JWTClaimsSet.Builder().issuer(ISSUER).audience("reelay").subject("alice")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600)))
                .claim("roles", List.of("user"))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(KEY.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(KEY));
        return jwt.serialize();
    }

}
