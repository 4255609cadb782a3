package dev.reelay.infra.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.consistency.SecondNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A key set at run time on one node is used by a second node (its own JVM, the same database) within seconds and
 * without a restart, while the fake chat server accepts only the new key after the switch; a call already sent with
 * the old key finishes on it. The rotation is audited with fingerprints, never the key.
 */
@ReelayIntegrationTest
class KeyRotationTest {

    static final String OLD_KEY = "old-llm-key-" + UUID.randomUUID();
    static final String NEW_KEY = "new-llm-key-" + UUID.randomUUID();
    static final String MASTER_KEY = masterKey();
    static final Fake CHAT = new Fake();

    static String masterKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        for (String[] setting : settings()) {
            registry.add(setting[0], () -> setting[1]);
        }
    }

    /** The same LLM, master key and poll interval on both nodes. */
    static List<String[]> settings() {
        return List.of(new String[]{"reelay.llm.base-url", "http://127.0.0.1:" + CHAT.server.getPort() + "/v1"},
                new String[]{"reelay.llm.model", "gpt-test"},
                new String[]{"reelay.llm.api-key", OLD_KEY},
                new String[]{"reelay.secrets.master-key", MASTER_KEY},
                new String[]{"reelay.secrets.poll-interval", "500ms"},
                new String[]{"reelay.outbound.allowed-local-hosts", "127.0.0.1"});
    }

    @AfterAll
    static void stop() throws IOException {
        CHAT.server.shutdown();
    }

    @LocalServerPort
    int port;
    @Autowired
    Environment environment;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aKeyRotatedOnOneNodeIsUsedByTheOtherWithinSecondsAndAnInFlightCallFinishesOnTheOldOne() throws Exception {
        String[] args = settings().stream().map(s -> "--" + s[0] + "=" + s[1]).toArray(String[]::new);
        try (SecondNode second = SecondNode.beside(environment, args)) {
            HttpApi first = new HttpApi(port);
            HttpApi other = new HttpApi(second.port());
            String firstAdmin = first.token("key-admin", "admin");
            String otherAdmin = other.token("key-admin", "admin");
            String firstUser = first.token("key-user");
            String otherUser = other.token("key-user");

            // before: both nodes send the configured key
            assertThat(assist(other, otherUser, "before").status()).isEqualTo(200);
            assertThat(CHAT.keys).containsOnly(OLD_KEY);
            JsonNode before = other.get("/api/admin/llm", otherAdmin).json().get("data");
            assertThat(before.get("keySource").asText()).isEqualTo("env");
            assertThat(before.get("keyFingerprint").asText()).isEqualTo(fingerprint(OLD_KEY));

            // a call in flight with the old key while the key is rotated
            CHAT.holdNext();
            CompletableFuture<HttpApi.Response> inFlight = CompletableFuture.supplyAsync(() -> assist(first, firstUser, "slow"));
            assertThat(CHAT.held.await(10, TimeUnit.SECONDS)).as("the slow call reached the fake").isTrue();

            HttpApi.Response rotated = first.send("PUT", "/api/admin/llm/api-key", firstAdmin, "application/json",
                    ("{\"apiKey\":\"" + NEW_KEY + "\"}").getBytes(StandardCharsets.UTF_8), java.util.Map.of());
            CHAT.accepted.set(NEW_KEY);
            long rotatedAt = System.nanoTime();
            assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
            assertThat(rotated.body()).doesNotContain(NEW_KEY);
            JsonNode view = rotated.json().get("data");
            assertThat(view.get("keySource").asText()).isEqualTo("managed");
            assertThat(view.get("keyFingerprint").asText()).isEqualTo(fingerprint(NEW_KEY));
            assertThat(view.get("keyUpdatedBy").asText()).isEqualTo("key-admin");
            assertThat(view.get("keyUpdatedAt").asText()).isNotBlank();

            // the other node within seconds, without a restart (timed before the test's own steps below)
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(other.get("/api/admin/llm", otherAdmin).json().at("/data/keyFingerprint").asText())
                            .isEqualTo(fingerprint(NEW_KEY)));
            long seenAfterMs = (System.nanoTime() - rotatedAt) / 1_000_000;
            assertThat(seenAfterMs).as("seen by the second node after %d ms", seenAfterMs).isLessThan(5_000);

            CHAT.release.countDown();
            HttpApi.Response slow = inFlight.get(20, TimeUnit.SECONDS);
            assertThat(slow.status()).as("the in-flight call finished on the old key: %s", slow.body()).isEqualTo(200);

            // the node that took the rotation uses the new key at once
            assertThat(assist(first, firstUser, "after on the first").status()).isEqualTo(200);
            assertThat(CHAT.lastKey.get()).isEqualTo(NEW_KEY);

            HttpApi.Response onOther = assist(other, otherUser, "after on the other");
            assertThat(onOther.status()).as(onOther.body()).isEqualTo(200);
            assertThat(CHAT.lastKey.get()).isEqualTo(NEW_KEY);
            assertThat(CHAT.refused).as("no call was refused for its key").isEmpty();

            // audited: who, when, both fingerprints; the key itself nowhere in the event store or the key table
            List<String> audit = jdbc.queryForList("select convert_from(payload, 'UTF8') from domain_event_entry "
                    + "where payload_type = 'dev.reelay.kernel.event.ApiKeyRotated' "
                    + "and convert_from(payload, 'UTF8') like '%\"scope\":\"llm\"%'", String.class);
            assertThat(audit).hasSize(1);
            assertThat(audit.get(0)).contains("\"scope\":\"llm\"").contains(fingerprint(NEW_KEY))
                    .contains("key-admin").doesNotContain(NEW_KEY).doesNotContain(OLD_KEY);
            assertThat(jdbc.queryForObject("select count(*) from managed_api_key t where strpos(t::text, ?) > 0 "
                            + "or strpos(t::text, ?) > 0", Long.class, NEW_KEY,
                    HexFormat.of().formatHex(NEW_KEY.getBytes(StandardCharsets.UTF_8))))
                    .as("the stored key is encrypted").isZero();
        }
    }

    @Test
    void aProviderKeyIsSetTheSameWayAndListedByItsSourceAndFingerprint() throws Exception {
        HttpApi api = new HttpApi(port);
        String admin = api.token("key-admin", "admin");
        JsonNode listed = api.get("/api/admin/providers", admin).json().get("data");
        assertThat(listed.get(0).get("id").asText()).isEqualTo("sandbox");
        assertThat(listed.get(0).get("format").asText()).isEqualTo("openai-videos");

        String providerKey = "provider-key-" + UUID.randomUUID();
        HttpApi.Response set = api.send("PUT", "/api/admin/providers/sandbox/api-key", admin, "application/json",
                ("{\"apiKey\":\"" + providerKey + "\"}").getBytes(StandardCharsets.UTF_8), java.util.Map.of());
        assertThat(set.status()).as(set.body()).isEqualTo(200);
        JsonNode sandbox = api.get("/api/admin/providers", admin).json().get("data").get(0);
        assertThat(sandbox.get("keySource").asText()).isEqualTo("managed");
        assertThat(sandbox.get("keyFingerprint").asText()).isEqualTo(fingerprint(providerKey));
        assertThat(api.get("/api/admin/providers", admin).body()).doesNotContain(providerKey);

        assertThat(api.send("PUT", "/api/admin/providers/nobody/api-key", admin, "application/json",
                "{\"apiKey\":\"abcdefghij\"}".getBytes(StandardCharsets.UTF_8), java.util.Map.of()).status()).isEqualTo(404);
        HttpApi.Response spaced = api.send("PUT", "/api/admin/llm/api-key", admin, "application/json",
                "{\"apiKey\":\"with a space\"}".getBytes(StandardCharsets.UTF_8), java.util.Map.of());
        assertThat(spaced.status()).isEqualTo(422);
        assertThat(spaced.json().get("errors").get(0).get("field").asText()).isEqualTo("apiKey");
        assertThat(api.send("PUT", "/api/admin/llm/api-key", api.token("key-user"), "application/json",
                "{\"apiKey\":\"abcdefghij\"}".getBytes(StandardCharsets.UTF_8), java.util.Map.of()).status()).isEqualTo(403);
    }

    private static HttpApi.Response assist(HttpApi api, String token, String prompt) {
        return api.postJson("/api/prompt/assist", token, "{\"prompt\":\"" + prompt + "\",\"mode\":\"shorten\"}");
    }

    static String fingerprint(String key) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)))
                .substring(0, 8);
    }

    /** Accepts one key at a time (401 otherwise) and can hold one call until released. */
    static final class Fake extends Dispatcher {
        final MockWebServer server = new MockWebServer();
        final AtomicReference<String> accepted = new AtomicReference<>(OLD_KEY);
        final AtomicReference<String> lastKey = new AtomicReference<>();
        final List<String> keys = new CopyOnWriteArrayList<>();
        final List<String> refused = new CopyOnWriteArrayList<>();
        volatile CountDownLatch held = new CountDownLatch(1);
        volatile CountDownLatch release = new CountDownLatch(0);

        Fake() {
            server.setDispatcher(this);
            try {
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void holdNext() {
            held = new CountDownLatch(1);
            release = new CountDownLatch(1);
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            String authorization = request.getHeader("Authorization");
            String key = authorization == null ? "" : authorization.substring("Bearer ".length());
            keys.add(key);
            lastKey.set(key);
            if (!key.equals(accepted.get())) {
                refused.add(key);
                return new MockResponse().setResponseCode(401).setHeader("Content-Type", "application/json")
                        .setBody("{\"error\":{\"message\":\"Incorrect API key provided\",\"code\":\"invalid_api_key\"}}");
            }
            if (request.getBody().readUtf8().contains("\"slow\"")) {
                held.countDown();
                release.await(20, TimeUnit.SECONDS);
            }
            return new MockResponse().setHeader("Content-Type", "application/json").setBody("{\"choices\":[{\"message\":"
                    + "{\"role\":\"assistant\",\"content\":\"ok\"}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}");
        }
    }
}
