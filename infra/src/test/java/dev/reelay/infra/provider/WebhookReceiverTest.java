package dev.reelay.infra.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Standard Webhooks verification (unit), and the webhook endpoint end to end: a signed delivery makes the adapter
 * fetch the job's status; duplicates, forgeries, stale deliveries and unknown providers change nothing.
 */
@ReelayIntegrationTest
class WebhookReceiverTest {

    static final String HOOKED_KEY = "hooked-" + java.util.UUID.randomUUID();

    static final byte[] SECRET_BYTES = randomBytes(32);
    static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(SECRET_BYTES);
    static final byte[] OTHER_SECRET_BYTES = randomBytes(32);
    static final String EVENT = "dev.reelay.kernel.event.";

    static final Provider HOOKED = new Provider();

    @DynamicPropertySource
    static void providers(DynamicPropertyRegistry registry) {
        registry.add("reelay.sandbox.enabled", () -> "false");
        // these tests count every request a mock provider sees; copy-on-complete downloads are tested elsewhere
        registry.add("reelay.content.archive-on-complete", () -> "false");
        registry.add("reelay.providers[0].id", () -> "hooked");
        registry.add("reelay.providers[0].format", () -> "openai-videos");
        registry.add("reelay.providers[0].base-url", () -> "http://127.0.0.1:" + HOOKED.server.getPort() + "/v1");
        registry.add("reelay.providers[0].api-key", () -> HOOKED_KEY);
        registry.add("reelay.providers[0].priority", () -> "1");
        registry.add("reelay.providers[0].models[0]", () -> "sora-2");
        registry.add("reelay.providers[0].webhooks", () -> "true");
        registry.add("reelay.providers[0].webhook-secret", () -> SECRET);
        // no safety poll during the test: every status fetch the provider sees comes from a webhook
        registry.add("reelay.providers[0].webhook-safety-poll", () -> "10m");
        registry.add("reelay.providers[0].read-timeout", () -> "2s");
        // a provider without a webhook secret has no webhook endpoint
        registry.add("reelay.providers[1].id", () -> "plain");
        registry.add("reelay.providers[1].format", () -> "openai-videos");
        registry.add("reelay.providers[1].base-url", () -> "http://127.0.0.1:" + HOOKED.server.getPort() + "/v1");
        registry.add("reelay.providers[1].api-key", () -> "plain-" + java.util.UUID.randomUUID());
        registry.add("reelay.providers[1].priority", () -> "1");
        registry.add("reelay.providers[1].models[0]", () -> "sora-2-pro");
    }

    @AfterAll
    static void stop() throws IOException {
        HOOKED.server.shutdown();
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    HttpApi api;
    String token;

    @BeforeEach
    void setUp() {
        HOOKED.seen.clear();
        HOOKED.jobs.clear();
        api = new HttpApi(port);
        token = api.token("webhook-user");
    }

    // ---------------------------------------------------------------- StandardWebhooks (unit)

    @Test
    void aCorrectSignatureIsValid() {
        StandardWebhooks hooks = new StandardWebhooks(SECRET);
        Instant now = Instant.now();
        String ts = String.valueOf(now.getEpochSecond());
        byte[] body = "{\"type\":\"video.completed\",\"data\":{\"id\":\"video_1\"}}".getBytes(StandardCharsets.UTF_8);

        assertThat(hooks.verify("msg_1", ts, sign(SECRET_BYTES, "msg_1", ts, body), body, now))
                .isEqualTo(StandardWebhooks.Verdict.VALID);
        // a delivery sent 4 minutes ago is still within the tolerance
        String recent = String.valueOf(now.minusSeconds(240).getEpochSecond());
        assertThat(hooks.verify("msg_1", recent, sign(SECRET_BYTES, "msg_1", recent, body), body, now))
                .isEqualTo(StandardWebhooks.Verdict.VALID);
        // the secret may also be configured without its prefix
        assertThat(new StandardWebhooks(Base64.getEncoder().encodeToString(SECRET_BYTES))
                .verify("msg_1", ts, sign(SECRET_BYTES, "msg_1", ts, body), body, now))
                .isEqualTo(StandardWebhooks.Verdict.VALID);
    }

    @Test
    void aTamperedBodyIdOrKeyIsABadSignature() {
        StandardWebhooks hooks = new StandardWebhooks(SECRET);
        Instant now = Instant.now();
        String ts = String.valueOf(now.getEpochSecond());
        byte[] body = "{\"type\":\"video.completed\",\"data\":{\"id\":\"video_1\"}}".getBytes(StandardCharsets.UTF_8);
        String signature = sign(SECRET_BYTES, "msg_1", ts, body);
        byte[] tampered = "{\"type\":\"video.completed\",\"data\":{\"id\":\"video_2\"}}".getBytes(StandardCharsets.UTF_8);

        assertThat(hooks.verify("msg_1", ts, signature, tampered, now)).isEqualTo(StandardWebhooks.Verdict.BAD_SIGNATURE);
        assertThat(hooks.verify("msg_2", ts, signature, body, now)).isEqualTo(StandardWebhooks.Verdict.BAD_SIGNATURE);
        assertThat(hooks.verify("msg_1", ts, sign(OTHER_SECRET_BYTES, "msg_1", ts, body), body, now))
                .isEqualTo(StandardWebhooks.Verdict.BAD_SIGNATURE);
        assertThat(hooks.verify("msg_1", ts, "v1,not-base64!!", body, now)).isEqualTo(StandardWebhooks.Verdict.BAD_SIGNATURE);
        assertThat(hooks.verify("msg_1", ts, signature.replace("v1,", "v2,"), body, now))
                .isEqualTo(StandardWebhooks.Verdict.BAD_SIGNATURE);
    }

    @Test
    void aTimestampSixMinutesAwayIsStale() {
        StandardWebhooks hooks = new StandardWebhooks(SECRET);
        Instant now = Instant.now();
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String old = String.valueOf(now.minusSeconds(360).getEpochSecond());
        String future = String.valueOf(now.plusSeconds(360).getEpochSecond());

        assertThat(hooks.verify("msg_1", old, sign(SECRET_BYTES, "msg_1", old, body), body, now))
                .isEqualTo(StandardWebhooks.Verdict.STALE);
        assertThat(hooks.verify("msg_1", future, sign(SECRET_BYTES, "msg_1", future, body), body, now))
                .isEqualTo(StandardWebhooks.Verdict.STALE);
    }

    @Test
    void missingHeadersAreReportedAsSuch() {
        StandardWebhooks hooks = new StandardWebhooks(SECRET);
        Instant now = Instant.now();
        String ts = String.valueOf(now.getEpochSecond());
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String signature = sign(SECRET_BYTES, "msg_1", ts, body);

        assertThat(hooks.verify(null, ts, signature, body, now)).isEqualTo(StandardWebhooks.Verdict.MISSING_HEADERS);
        assertThat(hooks.verify(" ", ts, signature, body, now)).isEqualTo(StandardWebhooks.Verdict.MISSING_HEADERS);
        assertThat(hooks.verify("msg_1", null, signature, body, now)).isEqualTo(StandardWebhooks.Verdict.MISSING_HEADERS);
        assertThat(hooks.verify("msg_1", "yesterday", signature, body, now)).isEqualTo(StandardWebhooks.Verdict.MISSING_HEADERS);
        assertThat(hooks.verify("msg_1", ts, null, body, now)).isEqualTo(StandardWebhooks.Verdict.MISSING_HEADERS);
    }

    @Test
    void anyOfSeveralSpaceSeparatedSignaturesMayMatch() {
        StandardWebhooks hooks = new StandardWebhooks(SECRET);
        Instant now = Instant.now();
        String ts = String.valueOf(now.getEpochSecond());
        byte[] body = "{\"type\":\"video.completed\"}".getBytes(StandardCharsets.UTF_8);
        String wrong = sign(OTHER_SECRET_BYTES, "msg_1", ts, body);
        String right = sign(SECRET_BYTES, "msg_1", ts, body);

        assertThat(hooks.verify("msg_1", ts, wrong + " " + right, body, now)).isEqualTo(StandardWebhooks.Verdict.VALID);
        assertThat(hooks.verify("msg_1", ts, "v1a,abc " + right, body, now)).isEqualTo(StandardWebhooks.Verdict.VALID);
        assertThat(hooks.verify("msg_1", ts, wrong + " " + sign(OTHER_SECRET_BYTES, "msg_2", ts, body), body, now))
                .isEqualTo(StandardWebhooks.Verdict.BAD_SIGNATURE);
    }

    // ---------------------------------------------------------------- the endpoint, end to end

    @Test
    void aSignedCompletionWebhookFetchesTheStatusAndADuplicateIsIgnored() {
        String videoId = submitAndAwaitAcceptance("vid_hook_ok");
        assertThat(HOOKED.retrieves("vid_hook_ok")).isEmpty();
        HOOKED.jobs.put("vid_hook_ok", "completed");

        String webhookId = "msg_" + UUID.randomUUID();
        String ts = String.valueOf(Instant.now().getEpochSecond());
        byte[] body = completion("vid_hook_ok");
        Map<String, String> headers = Map.of("webhook-id", webhookId, "webhook-timestamp", ts,
                "webhook-signature", sign(SECRET_BYTES, webhookId, ts, body));

        HttpApi.Response first = deliver("hooked", body, headers);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().path("received").asBoolean()).isTrue();
        assertThat(first.json().has("duplicate")).isFalse();

        awaitViewStatus(videoId, "COMPLETED");
        List<RecordedRequest> fetches = HOOKED.retrieves("vid_hook_ok");
        assertThat(fetches).hasSize(1);
        assertThat(fetches.get(0).getMethod()).isEqualTo("GET");
        assertThat(fetches.get(0).getHeader("Authorization")).isEqualTo("Bearer " + HOOKED_KEY);
        assertThat(eventTypes(videoId)).endsWith(EVENT + "TaskCompleted");
        assertThat(jdbc.queryForObject("select count(*) from webhook_receipt where provider_id = 'hooked' and webhook_id = ?",
                Integer.class, webhookId)).isEqualTo(1);

        HttpApi.Response again = deliver("hooked", body, headers);
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().path("duplicate").asBoolean()).isTrue();
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> assertThat(HOOKED.retrieves("vid_hook_ok")).hasSize(1));
        assertThat(eventTypes(videoId).stream().filter(t -> t.equals(EVENT + "TaskCompleted"))).hasSize(1);
    }

    @Test
    void forgedAndStaleDeliveriesAreRefusedAndChangeNothing() {
        String videoId = submitAndAwaitAcceptance("vid_hook_forged");
        HOOKED.jobs.put("vid_hook_forged", "completed");
        List<String> eventsBefore = eventTypes(videoId);

        String webhookId = "msg_" + UUID.randomUUID();
        String ts = String.valueOf(Instant.now().getEpochSecond());
        byte[] body = completion("vid_hook_forged");

        HttpApi.Response forged = deliver("hooked", body, Map.of("webhook-id", webhookId, "webhook-timestamp", ts,
                "webhook-signature", sign(OTHER_SECRET_BYTES, webhookId, ts, body)));
        assertThat(forged.status()).as(forged.body()).isEqualTo(401);
        assertThat(forged.json().path("code").asText()).isEqualTo("WEBHOOK_BAD_SIGNATURE");

        String old = String.valueOf(Instant.now().minusSeconds(360).getEpochSecond());
        HttpApi.Response stale = deliver("hooked", body, Map.of("webhook-id", webhookId, "webhook-timestamp", old,
                "webhook-signature", sign(SECRET_BYTES, webhookId, old, body)));
        assertThat(stale.status()).as(stale.body()).isEqualTo(401);
        assertThat(stale.json().path("code").asText()).isEqualTo("WEBHOOK_STALE");

        HttpApi.Response unsigned = deliver("hooked", body, Map.of("webhook-id", webhookId, "webhook-timestamp", ts));
        assertThat(unsigned.status()).as(unsigned.body()).isEqualTo(401);
        assertThat(unsigned.json().path("code").asText()).isEqualTo("WEBHOOK_MISSING_HEADERS");

        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> assertThat(HOOKED.retrieves("vid_hook_forged")).isEmpty());
        assertThat(eventTypes(videoId)).isEqualTo(eventsBefore);
        assertThat(view(videoId).get("status").asText()).isEqualTo("PROCESSING");
        assertThat(jdbc.queryForObject("select count(*) from webhook_receipt where webhook_id = ?", Integer.class, webhookId))
                .isZero();

        // the refused deliveries did not use up the webhook-id: the genuine one with the same id is still handled
        HttpApi.Response genuine = deliver("hooked", body, Map.of("webhook-id", webhookId, "webhook-timestamp", ts,
                "webhook-signature", sign(SECRET_BYTES, webhookId, ts, body)));
        assertThat(genuine.status()).as(genuine.body()).isEqualTo(200);
        assertThat(genuine.json().path("duplicate").asBoolean()).isFalse();
        awaitViewStatus(videoId, "COMPLETED");
        assertThat(HOOKED.retrieves("vid_hook_forged")).hasSize(1);
    }

    @Test
    void aWebhookForAnUnknownProviderOrOneWithoutASecretIsNotFound() {
        String ts = String.valueOf(Instant.now().getEpochSecond());
        byte[] body = completion("whatever");
        for (String provider : List.of("nobody", "plain")) {
            String webhookId = "msg_" + UUID.randomUUID();
            HttpApi.Response response = deliver(provider, body, Map.of("webhook-id", webhookId, "webhook-timestamp", ts,
                    "webhook-signature", sign(SECRET_BYTES, webhookId, ts, body)));
            assertThat(response.status()).as("%s: %s", provider, response.body()).isEqualTo(404);
            assertThat(response.body()).doesNotContain(SECRET);
        }
        assertThat(jdbc.queryForObject("select count(*) from webhook_receipt where provider_id in ('nobody', 'plain')",
                Integer.class)).isZero();
        assertThat(HOOKED.seen).isEmpty();
    }

    @Test
    void aSignedBodyThatIsNotJsonIsRefusedAndItsRetryIsHandledNotDroppedAsADuplicate() {
        String videoId = submitAndAwaitAcceptance("vid_hook_notjson");
        HOOKED.jobs.put("vid_hook_notjson", "completed");
        String webhookId = "msg_" + UUID.randomUUID();
        String ts = String.valueOf(Instant.now().getEpochSecond());

        for (byte[] notAnObject : List.of("video.completed vid_hook_notjson".getBytes(StandardCharsets.UTF_8),
                "[\"video.completed\"]".getBytes(StandardCharsets.UTF_8), new byte[0])) {
            // sent twice, as a provider retries: the same refusal both times, never "duplicate"
            for (int attempt = 0; attempt < 2; attempt++) {
                HttpApi.Response refused = deliver("hooked", notAnObject, signed(webhookId, ts, notAnObject));
                assertThat(refused.status()).as(refused.body()).isEqualTo(400);
                assertThat(refused.contentType()).startsWith("application/problem+json");
                assertThat(refused.json().path("code").asText()).isEqualTo("MALFORMED_REQUEST");
                assertThat(refused.json().has("duplicate")).isFalse();
            }
        }
        assertThat(receipts(webhookId)).isZero();
        assertThat(HOOKED.retrieves("vid_hook_notjson")).isEmpty();

        // the sender's corrected delivery under the same webhook-id is handled
        byte[] body = completion("vid_hook_notjson");
        HttpApi.Response handled = deliver("hooked", body, signed(webhookId, ts, body));
        assertThat(handled.status()).as(handled.body()).isEqualTo(200);
        assertThat(handled.json().has("duplicate")).isFalse();
        awaitViewStatus(videoId, "COMPLETED");
        assertThat(receipts(webhookId)).isEqualTo(1);
        assertThat(deliver("hooked", body, signed(webhookId, ts, body)).json().path("duplicate").asBoolean()).isTrue();
    }

    @Test
    void overlongWebhookHeadersAreA400NamingTheHeaderAndUseNothingUp() {
        String ts = String.valueOf(Instant.now().getEpochSecond());
        byte[] body = completion("vid_hook_unknown");

        String longId = "msg_" + "x".repeat(300);
        HttpApi.Response idTooLong = deliver("hooked", body, signed(longId, ts, body));
        assertThat(idTooLong.status()).as(idTooLong.body()).isEqualTo(400);
        assertThat(idTooLong.contentType()).startsWith("application/problem+json");
        assertThat(idTooLong.json().at("/errors/0/field").asText()).isEqualTo("webhook-id");

        String webhookId = "msg_" + UUID.randomUUID();
        String longTs = "0".repeat(20) + ts;
        HttpApi.Response tsTooLong = deliver("hooked", body, Map.of("webhook-id", webhookId, "webhook-timestamp", longTs,
                "webhook-signature", sign(SECRET_BYTES, webhookId, longTs, body)));
        assertThat(tsTooLong.status()).as(tsTooLong.body()).isEqualTo(400);
        assertThat(tsTooLong.json().at("/errors/0/field").asText()).isEqualTo("webhook-timestamp");

        StringBuilder manySignatures = new StringBuilder(sign(SECRET_BYTES, webhookId, ts, body));
        while (manySignatures.length() <= 4096) {
            manySignatures.append(' ').append(sign(randomBytes(32), webhookId, ts, body));
        }
        HttpApi.Response signatureTooLong = deliver("hooked", body, Map.of("webhook-id", webhookId,
                "webhook-timestamp", ts, "webhook-signature", manySignatures.toString()));
        assertThat(signatureTooLong.status()).as(signatureTooLong.body()).isEqualTo(400);
        assertThat(signatureTooLong.json().at("/errors/0/field").asText()).isEqualTo("webhook-signature");
        assertThat(receipts(webhookId)).isZero();

        // the bound is inclusive: a 255-character id is handled and recorded
        String longest = "msg_" + "y".repeat(251);
        HttpApi.Response handled = deliver("hooked", body, signed(longest, ts, body));
        assertThat(handled.status()).as(handled.body()).isEqualTo(200);
        assertThat(receipts(longest)).isEqualTo(1);
    }

    // ---------------------------------------------------------------- helpers

    private String submitAndAwaitAcceptance(String externalId) {
        HOOKED.nextCreateId = externalId;
        HOOKED.jobs.put(externalId, "queued");
        HttpApi.Response created = api.postJson("/api/video/tasks", token,
                "{\"prompt\":\"webhook " + externalId + "\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String videoId = created.json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(eventTypes(videoId)).contains(EVENT + "UpstreamTaskAccepted"));
        assertThat(jdbc.queryForObject("select external_task_id from upstream_binding where video_id = ?", String.class,
                videoId)).isEqualTo(externalId);
        awaitViewStatus(videoId, "PROCESSING");
        return videoId;
    }

    private static Map<String, String> signed(String webhookId, String ts, byte[] body) {
        return Map.of("webhook-id", webhookId, "webhook-timestamp", ts, "webhook-signature",
                sign(SECRET_BYTES, webhookId, ts, body));
    }

    private int receipts(String webhookId) {
        return jdbc.queryForObject("select count(*) from webhook_receipt where provider_id = 'hooked' and webhook_id = ?",
                Integer.class, webhookId);
    }

    private HttpApi.Response deliver(String provider, byte[] body, Map<String, String> headers) {
        return api.send("POST", "/webhooks/upstream/" + provider, null, "application/json", body, headers);
    }

    private static byte[] completion(String externalId) {
        return ("{\"id\":\"evt_" + UUID.randomUUID() + "\",\"object\":\"event\",\"type\":\"video.completed\","
                + "\"data\":{\"id\":\"" + externalId + "\"}}").getBytes(StandardCharsets.UTF_8);
    }

    private JsonNode view(String videoId) {
        HttpApi.Response response = api.get("/api/video/tasks/" + videoId, token);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().get("data");
    }

    private void awaitViewStatus(String videoId, String status) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(view(videoId).get("status").asText()).isEqualTo(status));
    }

    private List<String> eventTypes(String videoId) {
        return jdbc.queryForList("select payload_type from domain_event_entry where aggregate_identifier = ? "
                + "order by sequence_number", String.class, videoId);
    }

    /** Standard Webhooks signing, written independently of the product's verifier. */
    static String sign(byte[] key, String id, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    /** A provider whose jobs have whatever status the test sets; it records every request. */
    static final class Provider extends Dispatcher {
        final MockWebServer server = new MockWebServer();
        final List<RecordedRequest> seen = new CopyOnWriteArrayList<>();
        final Map<String, String> jobs = new ConcurrentHashMap<>();
        volatile String nextCreateId;

        Provider() {
            server.setDispatcher(this);
            try {
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        List<RecordedRequest> retrieves(String externalId) {
            return seen.stream().filter(r -> "GET".equals(r.getMethod()) && ("/v1/videos/" + externalId).equals(r.getPath()))
                    .toList();
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            seen.add(request);
            String path = request.getPath() == null ? "" : request.getPath();
            if ("POST".equals(request.getMethod()) && path.equals("/v1/videos") && nextCreateId != null) {
                return video(nextCreateId, jobs.getOrDefault(nextCreateId, "queued"));
            }
            if ("GET".equals(request.getMethod()) && path.startsWith("/v1/videos/")) {
                String id = path.substring("/v1/videos/".length());
                String status = jobs.get(id);
                if (status != null) {
                    return video(id, status);
                }
            }
            return new MockResponse().setResponseCode(404).setHeader("Content-Type", "application/json")
                    .setBody("{\"error\":{\"code\":\"not_found\",\"message\":\"no such video\"}}");
        }

        private static MockResponse video(String id, String status) {
            return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                    .setBody("{\"id\":\"" + id + "\",\"object\":\"video\",\"status\":\"" + status + "\",\"progress\":"
                            + ("completed".equals(status) ? 100 : 0) + "}");
        }
    }
}
