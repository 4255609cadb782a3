package dev.reelay.infra.security;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.persistence.SharedKeys;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.query.content.ContentSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a browser frontend written against the seeds needs, over real HTTP: CORS for the configured origin, content
 * links a {@code <video src>} loads without an Authorization header, and the seeds' login.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.http.cors.allowed-origins=https://app.example.test,http://localhost:5173",
        "reelay.test.context=browser-access"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserAccessTest {

    private static final String ORIGIN = "https://app.example.test";

    @LocalServerPort
    int port;
    @Autowired
    SignedContentLinks links;
    @Autowired
    JdbcTemplate jdbc;

    HttpApi api;
    String owner;
    String completed;
    String other;
    JsonNode view;

    /** Two completed tasks of one owner: links of one must not open the other. */
    @BeforeAll
    void twoCompletedTasks() {
        api = new HttpApi(port);
        owner = api.token("browser-owner");
        completed = create("first");
        other = create("second");
        for (String id : new String[]{completed, other}) {
            await().atMost(Duration.ofSeconds(40)).until(() -> {
                HttpApi.Response r = api.get("/api/video/tasks/" + id, owner);
                return r.status() == 200 && r.json().at("/data/status").asText().equals("COMPLETED");
            });
        }
        view = api.get("/api/video/tasks/" + completed, owner).json().get("data");
    }

    private String create(String prompt) {
        return api.postJson("/api/video/tasks", owner, "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
    }

    /** The path and query of an absolute URL, for HttpApi (which adds the host). */
    private static String local(String url) {
        URI uri = URI.create(url);
        return uri.getRawPath() + "?" + uri.getRawQuery();
    }

    private static Map<String, String> query(String url) {
        return Arrays.stream(URI.create(url).getRawQuery().split("&")).map(p -> p.split("=", 2))
                .collect(java.util.stream.Collectors.toMap(p -> p[0], p -> p[1]));
    }

    private void assertRefused(HttpApi.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(403);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().get("code").asText()).isEqualTo("SIGNED_URL_INVALID");
    }

    @Nested
    class Cors {

        @Test
        void aPreflightFromAConfiguredOriginIsAnsweredWithTheCorsHeaders() {
            HttpApi.Response preflight = api.send("OPTIONS", "/api/video/tasks", null, null, null, Map.of(
                    "Origin", ORIGIN, "Access-Control-Request-Method", "POST",
                    "Access-Control-Request-Headers", "authorization,content-type,idempotency-key"));
            assertThat(preflight.status()).isEqualTo(200);
            assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
            assertThat(preflight.header("Access-Control-Allow-Methods")).contains("POST");
            assertThat(preflight.header("Access-Control-Allow-Headers").toLowerCase())
                    .contains("authorization", "content-type", "idempotency-key");
            assertThat(preflight.header("Access-Control-Max-Age")).isEqualTo("3600");
            assertThat(preflight.header("Access-Control-Allow-Credentials")).isNull();
        }

        @Test
        void aPreflightFromAnotherOriginGetsNoCorsHeaders() {
            HttpApi.Response preflight = api.send("OPTIONS", "/api/video/tasks", null, null, null, Map.of(
                    "Origin", "https://evil.example.test", "Access-Control-Request-Method", "POST",
                    "Access-Control-Request-Headers", "authorization"));
            assertThat(preflight.status()).isEqualTo(403);
            assertThat(preflight.header("Access-Control-Allow-Origin")).isNull();
            assertThat(preflight.header("Access-Control-Allow-Methods")).isNull();
        }

        @Test
        void theLoginRouteAnswersAPreflightTooSoTheFrontendCanLogInFromItsOrigin() {
            HttpApi.Response preflight = api.send("OPTIONS", "/api/auth/login", null, null, null, Map.of(
                    "Origin", "http://localhost:5173", "Access-Control-Request-Method", "POST",
                    "Access-Control-Request-Headers", "content-type"));
            assertThat(preflight.status()).isEqualTo(200);
            assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("http://localhost:5173");
        }

        @Test
        void anActualRequestFromAConfiguredOriginMayReadTheResponseAndItsRetryAndTraceHeaders() {
            HttpApi.Response response = api.send("GET", "/api/video/tasks", owner, null, null, Map.of("Origin", ORIGIN));
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
            assertThat(response.header("Access-Control-Expose-Headers")).contains("Retry-After", "X-Trace-Id");
        }
    }

    @Nested
    class SignedLinks {

        @Test
        void aCompletedTaskViewCarriesAbsoluteVideoAndThumbnailLinksWithNoTokenInThem() {
            String base = "http://localhost:" + port + "/api/video/tasks/" + completed + "/content?variant=";
            assertThat(view.get("videoUrl").asText()).startsWith(base + "video&expires=").contains("&sig=");
            assertThat(view.get("thumbnailUrl").asText()).startsWith(base + "thumbnail&expires=").contains("&sig=");
            assertThat(view.get("videoUrl").asText()).doesNotContain(owner).doesNotContain("token");
            long expires = Long.parseLong(query(view.get("videoUrl").asText()).get("expires"));
            assertThat(expires).isBetween(Instant.now().plus(Duration.ofMinutes(29)).getEpochSecond(),
                    Instant.now().plus(Duration.ofMinutes(38)).getEpochSecond());
            // the list carries the same links, and re-reading gives the same URL: a polled view does not reload the video
            JsonNode listed = api.get("/api/video/tasks?limit=10", owner).json().at("/data/items");
            JsonNode item = java.util.stream.StreamSupport.stream(listed.spliterator(), false)
                    .filter(n -> n.get("videoId").asText().equals(completed)).findFirst().orElseThrow();
            assertThat(item.get("videoUrl").asText()).isEqualTo(view.get("videoUrl").asText());
        }

        @Test
        void theVideoLinkLoadsWithoutAnAuthorizationHeaderAndServesRanges() {
            HttpApi.Response authorized = api.get("/api/video/tasks/" + completed + "/content", owner);
            assertThat(authorized.status()).isEqualTo(200);
            byte[] bytes = authorized.raw().body();

            HttpApi.Response anonymous = api.get(local(view.get("videoUrl").asText()), null);
            assertThat(anonymous.status()).isEqualTo(200);
            assertThat(anonymous.contentType()).startsWith("video/mp4");
            assertThat(anonymous.raw().body()).isEqualTo(bytes);

            HttpApi.Response range = api.send("GET", local(view.get("videoUrl").asText()), null, null, null,
                    Map.of("Range", "bytes=0-9"));
            assertThat(range.status()).isEqualTo(206);
            assertThat(range.header("Content-Range")).isEqualTo("bytes 0-9/" + bytes.length);
            assertThat(range.raw().body()).isEqualTo(Arrays.copyOfRange(bytes, 0, 10));

            HttpApi.Response thumbnail = api.get(local(view.get("thumbnailUrl").asText()), null);
            assertThat(thumbnail.status()).isEqualTo(200);
            assertThat(thumbnail.contentType()).startsWith("image/");
        }

        /** A second node is a second signer with nothing in memory, on the same database. */
        @Test
        void aLinkSignedByAnotherNodeOnTheSameDatabaseOpensTheContentHere() {
            SignedContentLinks otherNode = new SignedContentLinks(new SharedKeys(jdbc), Clock.systemUTC(),
                    new SignedUrlProperties(Duration.ofMinutes(5)));
            var signed = otherNode.sign(completed, ContentSource.Variant.THUMBNAIL);
            HttpApi.Response response = api.get("/api/video/tasks/" + completed + "/content?variant=thumbnail&expires="
                    + signed.expires() + "&sig=" + signed.signature(), null);
            assertThat(response.status()).isEqualTo(200);
            assertThat(jdbc.queryForObject("select count(*) from url_signing_key", Integer.class)).isEqualTo(1);
        }

        @Test
        void anExpiredLinkIsRefusedEvenThoughItsSignatureIsGenuine() {
            long past = Instant.now().minusSeconds(5).getEpochSecond();
            String sig = links.signature(completed, ContentSource.Variant.VIDEO, past);
            assertRefused(api.get("/api/video/tasks/" + completed + "/content?variant=video&expires=" + past
                    + "&sig=" + sig, null));
            // the same signer with a future expiry is accepted: only the expiry made the difference
            long future = Instant.now().plusSeconds(60).getEpochSecond();
            assertThat(api.get("/api/video/tasks/" + completed + "/content?variant=video&expires=" + future
                    + "&sig=" + links.signature(completed, ContentSource.Variant.VIDEO, future), null).status())
                    .isEqualTo(200);
        }

        @Test
        void aLinkForOneVariantDoesNotOpenAnother() {
            Map<String, String> q = query(view.get("videoUrl").asText());
            for (String variant : new String[]{"thumbnail", "spritesheet"}) {
                assertRefused(api.get("/api/video/tasks/" + completed + "/content?variant=" + variant
                        + "&expires=" + q.get("expires") + "&sig=" + q.get("sig"), null));
            }
            // and no variant means video: the video's link without "variant" still works
            assertThat(api.get("/api/video/tasks/" + completed + "/content?expires=" + q.get("expires")
                    + "&sig=" + q.get("sig"), null).status()).isEqualTo(200);
        }

        @Test
        void aLinkForOneTaskDoesNotOpenAnotherTaskOfTheSameOwnerNorAnUnknownOne() {
            String query = URI.create(view.get("videoUrl").asText()).getRawQuery();
            assertRefused(api.get("/api/video/tasks/" + other + "/content?" + query, null));
            assertRefused(api.get("/api/video/tasks/video_00000000-0000-0000-0000-000000000000/content?" + query, null));
            assertRefused(api.get("/api/video/tasks/not-an-id/content?" + query, null));
        }

        @Test
        void aTamperedLinkIsRefused() {
            Map<String, String> q = query(view.get("videoUrl").asText());
            String path = "/api/video/tasks/" + completed + "/content?variant=video";
            String sig = q.get("sig");
            String flipped = sig.substring(0, 10) + (sig.charAt(10) == 'A' ? 'B' : 'A') + sig.substring(11);
            long later = Long.parseLong(q.get("expires")) + 3600;
            assertRefused(api.get(path + "&expires=" + q.get("expires") + "&sig=" + flipped, null));
            assertRefused(api.get(path + "&expires=" + later + "&sig=" + sig, null));
            assertRefused(api.get(path + "&expires=" + q.get("expires") + "&sig=" + sig.substring(1), null));
            assertRefused(api.get(path + "&expires=" + q.get("expires") + "&sig=", null));
            assertRefused(api.get(path + "&expires=soon&sig=" + sig, null));
            // a link without a signature is no link: the route wants a bearer token again
            assertThat(api.get(path + "&expires=" + q.get("expires"), null).status()).isEqualTo(401);
        }

        @Test
        void aTaskThatDidNotCompleteHasNoLinks() {
            // the sandbox's moderation refuses this prompt: the task fails at once
            String failed = api.postJson("/api/video/tasks", owner, "{\"prompt\":\"something forbidden\",\"model\":\"sora-2\"}")
                    .json().at("/data/videoId").asText();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                HttpApi.Response r = api.get("/api/video/tasks/" + failed, owner);
                return r.status() == 200 && r.json().at("/data/status").asText().equals("FAILED");
            });
            JsonNode data = api.get("/api/video/tasks/" + failed, owner).json().get("data");
            // null, which this API leaves out of the JSON
            assertThat(data.get("status").asText()).isEqualTo("FAILED");
            assertThat(data.hasNonNull("videoUrl")).isFalse();
            assertThat(data.hasNonNull("thumbnailUrl")).isFalse();
        }
    }

    @Nested
    class Login {

        @Test
        void theSeedsLoginReturnsATokenInTheSeedEnvelopeThatTheApiAccepts() {
            HttpApi.Response login = api.postJson("/api/auth/login", null,
                    "{\"username\":\"frontend-user\",\"password\":\"anything\"}");
            assertThat(login.status()).isEqualTo(200);
            assertThat(login.json().get("success").asBoolean()).isTrue();
            assertThat(login.json().get("requestTime").isNumber()).isTrue();
            assertThat(login.json().at("/data/username").asText()).isEqualTo("frontend-user");
            assertThat(login.json().at("/data/roles").toString()).isEqualTo("[\"user\"]");
            String token = login.json().at("/data/token").asText();

            String videoId = api.postJson("/api/video/tasks", token, "{\"prompt\":\"logged in\",\"model\":\"sora-2\"}")
                    .json().at("/data/videoId").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> api.get("/api/video/tasks/" + videoId, token).status() == 200);
            // the token is the user's own: someone else's view of the task is a 404
            assertThat(api.get("/api/video/tasks/" + videoId, owner).status()).isEqualTo(404);
            // and a stale Authorization header on the login itself does not get in the way
            assertThat(api.postJson("/api/auth/login", "stale-or-garbage",
                    "{\"username\":\"frontend-user\",\"password\":\"x\"}").status()).isEqualTo(200);
        }

        @Test
        void aMissingUsernameIsAProblemNamingTheField() {
            HttpApi.Response response = api.postJson("/api/auth/login", null, "{\"password\":\"secret\"}");
            assertThat(response.status()).isEqualTo(422);
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.json().get("code").asText()).isEqualTo("VALIDATION_FAILED");
            assertThat(response.json().at("/errors/0/field").asText()).isEqualTo("username");
            assertThat(response.json().at("/errors/0/code").asText()).isEqualTo("REQUIRED");
            assertThat(response.body()).doesNotContain("secret");
        }

        @Test
        void aBlankPasswordOrAnUnusableUsernameIsRefusedAndMalformedJsonIs400() {
            HttpApi.Response blank = api.postJson("/api/auth/login", null, "{\"username\":\"frontend-user\",\"password\":\" \"}");
            assertThat(blank.status()).isEqualTo(422);
            assertThat(blank.json().at("/errors/0/field").asText()).isEqualTo("password");
            assertThat(blank.json().at("/errors/0/code").asText()).isEqualTo("BLANK");
            HttpApi.Response spaces = api.postJson("/api/auth/login", null, "{\"username\":\"a b\",\"password\":\"x\"}");
            assertThat(spaces.status()).isEqualTo(422);
            assertThat(spaces.json().at("/errors/0/field").asText()).isEqualTo("username");
            HttpApi.Response malformed = api.postJson("/api/auth/login", null, "{\"username\":");
            assertThat(malformed.status()).isEqualTo(400);
            assertThat(malformed.contentType()).startsWith("application/problem+json");
        }
    }
}
