package dev.reelay.infra.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
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
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The native formats (Replicate, fal's queue, Veo on the Gemini API) against fakes over real HTTP that answer as the
 * public references describe: queueing, progress, success, moderation, 429 + Retry-After, 500, a slow operation, a
 * malformed answer, webhooks with a good, a bad and a replayed signature, and the whole flow through Reelay (create,
 * progress, completion, content, cancel).
 */
@ReelayIntegrationTest
class NativeFormatsTest {

    static final String EVENT = "dev.reelay.kernel.event.";
    static final ObjectMapper JSON = new ObjectMapper();
    static final String REPLICATE_KEY = "r8_" + UUID.randomUUID();
    static final String FAL_KEY = "fal-" + UUID.randomUUID();
    static final String GEMINI_KEY = "AIza" + UUID.randomUUID();
    static final byte[] REPLICATE_SECRET = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
    static final byte[] VIDEO = "not really an mp4, but bytes".getBytes(StandardCharsets.UTF_8);
    static final KeyPair FAL_SIGNER = ed25519();
    static final KeyPair STRANGER = ed25519();

    static final Fake REPLICATE = new Fake();
    static final Fake FAL = new Fake();
    static final Fake GEMINI = new Fake();

    @DynamicPropertySource
    static void providers(DynamicPropertyRegistry registry) {
        ProviderSettings.quickRetries(registry, 3);
        registry.add("reelay.rate-limit.per-address.burst", () -> "1000");
        String[] models = {"kling-2.1", "kling-hooked", "seedance-1", "seedance-hooked", "veo-3.1"};
        for (int i = 0; i < models.length; i++) {
            String m = "reelay.capabilities.models[" + i + "].";
            String id = models[i];
            registry.add(m + "id", () -> id);
            registry.add(m + "sizes[0]", () -> "1280x720");
            registry.add(m + "sizes[1]", () -> "720x1280");
            registry.add(m + "seconds[0]", () -> "5");
            registry.add(m + "seconds[1]", () -> "8");
            registry.add(m + "image-input", () -> "true");
        }
        provider(registry, 0, "replicate", "replicate", REPLICATE, "/v1", REPLICATE_KEY, "kling-2.1", "kwaivgi/kling-v2.1");
        provider(registry, 1, "replicate-hooked", "replicate", REPLICATE, "/v1", REPLICATE_KEY, "kling-hooked", "kwaivgi/kling-v2.1");
        hooked(registry, 1, "replicate-hooked");
        registry.add("reelay.providers[1].webhook-secret",
                () -> "whsec_" + Base64.getEncoder().encodeToString(REPLICATE_SECRET));
        provider(registry, 2, "fal", "fal-queue", FAL, "/fal", FAL_KEY, "seedance-1", "bytedance/seedance/v1/lite/text-to-video");
        provider(registry, 3, "fal-hooked", "fal-queue", FAL, "/fal", FAL_KEY, "seedance-hooked", "bytedance/seedance/v1/lite/text-to-video");
        hooked(registry, 3, "fal-hooked");
        registry.add("reelay.providers[3].webhook-jwks-url",
                () -> "http://127.0.0.1:" + FAL.server.getPort() + "/.well-known/jwks.json");
        provider(registry, 4, "gemini", "gemini-veo", GEMINI, "/v1beta", GEMINI_KEY, "veo-3.1", "veo-3.1-generate-preview");
        registry.add("reelay.providers[4].image-upstream-models[veo-3.1]", () -> "veo-3.1-image-preview");
    }

    private static void provider(DynamicPropertyRegistry registry, int index, String id, String format, Fake fake,
                                 String path, String key, String model, String upstream) {
        ProviderSettings.provider(registry, index, id, format, fake.url(path), key, 1);
        String p = "reelay.providers[" + index + "].";
        registry.add(p + "models[0]", () -> model);
        registry.add(p + "upstream-models[" + model + "]", () -> upstream);
    }

    private static void hooked(DynamicPropertyRegistry registry, int index, String id) {
        String p = "reelay.providers[" + index + "].";
        registry.add(p + "webhooks", () -> "true");
        registry.add(p + "webhook-url", () -> "https://reelay.example/webhooks/upstream/" + id);
        // no safety poll during the test: every status fetch comes from a webhook
        registry.add(p + "webhook-safety-poll", () -> "10m");
    }

    @AfterAll
    static void stop() throws IOException {
        REPLICATE.server.shutdown();
        FAL.server.shutdown();
        GEMINI.server.shutdown();
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    HttpApi api;
    String token;

    @BeforeEach
    void setUp() {
        REPLICATE.reset();
        FAL.reset();
        GEMINI.reset();
        api = new HttpApi(port);
        // one user per test: a task a test leaves running holds none of the next test's slots
        token = api.token("native-" + UUID.randomUUID());
    }

    // ================================================================ replicate

    @Nested
    class Replicate {

        @Test
        void aPredictionIsCreatedReadUntilItSucceedsAndItsOutputIsServed() throws Exception {
            REPLICATE.on("POST", "/v1/models/kwaivgi/kling-v2.1/predictions", json(201, prediction("p1", "starting", null, null)));
            REPLICATE.on("GET", "/v1/predictions/p1",
                    json(200, prediction("p1", "processing", "loading\n 40%|████      | 20/50", null)),
                    json(200, "{\"id\":\"p1\",\"status\":\"succeeded\",\"output\":\"" + REPLICATE.url("/files/p1.mp4") + "\"}"));
            REPLICATE.on("GET", "/files/p1.mp4", video());

            String videoId = submit("kling-2.1", "1280x720", 5);
            awaitStatus(videoId, "COMPLETED");

            Fake.Seen create = REPLICATE.first("POST", "/v1/models/kwaivgi/kling-v2.1/predictions");
            assertThat(create.header("Authorization")).isEqualTo("Bearer " + REPLICATE_KEY);
            assertThat(create.header("Cancel-After")).isEqualTo("1800s");
            assertThat(create.header("Prefer")).isNull();
            assertThat(create.header("Idempotency-Key")).as("Replicate honours none").isNull();
            JsonNode body = JSON.readTree(create.body());
            assertThat(body.has("version")).isFalse();
            assertThat(body.has("webhook")).as("webhooks are off for this provider").isFalse();
            assertThat(body.at("/input/prompt").asText()).isEqualTo("a fox in snow");
            assertThat(body.at("/input/duration").asInt()).isEqualTo(5);
            assertThat(body.at("/input/aspect_ratio").asText()).isEqualTo("16:9");
            assertThat(body.at("/input/resolution").asText()).isEqualTo("720p");
            assertThat(REPLICATE.first("GET", "/v1/predictions/p1").header("Authorization")).isEqualTo("Bearer " + REPLICATE_KEY);

            assertThat(eventTypes(videoId)).containsExactly(EVENT + "TaskSubmitted", EVENT + "UpstreamTaskAccepted",
                    EVENT + "ProgressUpdated", EVENT + "TaskCompleted");
            assertThat(payload(videoId, "ProgressUpdated").get("percent").asInt()).isEqualTo(40);
            assertThat(payload(videoId, "UpstreamTaskAccepted").get("externalTaskId").asText()).isEqualTo("p1");
            assertThat(content(videoId)).isEqualTo(VIDEO);
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(calls(videoId, "response_summary"))
                    .anySatisfy(s -> assertThat(s).contains("20/50")));
            assertThat(eventPayloads(videoId)).allSatisfy(p -> assertThat(p).doesNotContain("20/50"));
            assertNoKeyLeak(videoId);
        }

        @Test
        void anOutputOnAnInternalAddressIsNeverFetched() {
            REPLICATE.on("POST", "/v1/models/kwaivgi/kling-v2.1/predictions", json(201, prediction("p-ssrf", "starting", null, null)));
            REPLICATE.on("GET", "/v1/predictions/p-ssrf", json(200,
                    "{\"id\":\"p-ssrf\",\"status\":\"succeeded\",\"output\":\"http://169.254.169.254/latest/meta-data/v.mp4\"}"));

            String videoId = submit("kling-2.1", "1280x720", 5);
            awaitStatus(videoId, "COMPLETED");

            HttpApi.Response content = api.get("/api/video/tasks/" + videoId + "/content", token);
            assertThat(content.status()).as("the SSRF guard refuses the provider's URL").isEqualTo(404);
        }

        @Test
        void aPredictionFlaggedAsSensitiveFailsAsModeration() {
            REPLICATE.on("POST", "/v1/models/kwaivgi/kling-v2.1/predictions", json(201, prediction("p-nsfw", "starting", null, null)));
            REPLICATE.on("GET", "/v1/predictions/p-nsfw", json(200, prediction("p-nsfw", "failed", null,
                    "The input or output was flagged as sensitive. Please try again with different inputs. (E005)")));

            String videoId = submit("kling-2.1", "1280x720", 5);
            awaitStatus(videoId, "FAILED");

            JsonNode failed = payload(videoId, "TaskFailed");
            assertThat(failed.get("errorCode").asText()).isEqualTo("UPSTREAM_MODERATION");
            assertThat(failed.get("providerCode").asText()).isEqualTo("content_policy_violation");
        }

        @Test
        void aRateLimitedCreateWaitsForRetryAfterAndAServerErrorIsRetried() {
            REPLICATE.on("POST", "/v1/models/kwaivgi/kling-v2.1/predictions",
                    json(429, "{\"title\":\"Request was throttled\",\"detail\":\"slow down\",\"status\":429}").setHeader("Retry-After", "1"),
                    json(500, "{\"detail\":\"boom\"}"),
                    json(201, prediction("p-retry", "starting", null, null)));
            REPLICATE.on("GET", "/v1/predictions/p-retry",
                    json(200, "{\"id\":\"p-retry\",\"status\":\"succeeded\",\"output\":[\"" + REPLICATE.url("/files/p.mp4") + "\"]}"));

            String videoId = submit("kling-2.1", "1280x720", 5);
            awaitStatus(videoId, "COMPLETED");

            List<Fake.Seen> creates = REPLICATE.all("POST", "/v1/models/kwaivgi/kling-v2.1/predictions");
            assertThat(creates).hasSize(3);
            assertWaitedForRetryAfter(creates);
            assertThat(payload(videoId, "TaskCompleted").get("contentLocation").asText()).endsWith("/files/p.mp4");
        }

        @Test
        void aCreateWhoseAnswerIsLostFailsTheTaskRatherThanPayingTwice() {
            REPLICATE.on("POST", "/v1/models/kwaivgi/kling-v2.1/predictions",
                    new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));

            String videoId = submit("kling-2.1", "1280x720", 5);
            awaitStatus(videoId, "FAILED");

            assertThat(REPLICATE.all("POST", "/v1/models/kwaivgi/kling-v2.1/predictions")).hasSize(1);
            JsonNode failed = payload(videoId, "TaskFailed");
            assertThat(failed.get("errorCode").asText()).isEqualTo("UPSTREAM_ERROR");
            assertThat(failed.get("message").asText()).contains("never paid twice");
        }

        @Test
        void aMalformedAnswerIsRetriedByTheNextPoll() {
            REPLICATE.on("POST", "/v1/models/kwaivgi/kling-v2.1/predictions", json(201, prediction("p-bad", "starting", null, null)));
            REPLICATE.on("GET", "/v1/predictions/p-bad", json(200, "{\"id\":\"p-bad\",\"status\":"),
                    json(200, "{\"id\":\"p-bad\",\"status\":\"succeeded\",\"output\":\"" + REPLICATE.url("/files/p.mp4") + "\"}"));

            String videoId = submit("kling-2.1", "1280x720", 5);
            awaitStatus(videoId, "COMPLETED");

            assertThat(eventTypes(videoId)).doesNotContain(EVENT + "TaskFailed");
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(calls(videoId, "error"))
                    .anySatisfy(e -> assertThat(e).contains("malformed response")));
        }

        @Test
        void cancellingATaskCancelsThePrediction() {
            REPLICATE.on("POST", "/v1/models/kwaivgi/kling-v2.1/predictions", json(201, prediction("p-cancel", "starting", null, null)));
            REPLICATE.on("GET", "/v1/predictions/p-cancel", json(200, prediction("p-cancel", "processing", "", null)));
            REPLICATE.on("POST", "/v1/predictions/p-cancel/cancel", json(200, prediction("p-cancel", "canceled", null, null)));

            String videoId = submit("kling-2.1", "1280x720", 5);
            awaitEvent(videoId, "UpstreamTaskAccepted");
            assertThat(api.postJson("/api/video/tasks/" + videoId + "/cancel", token, "{}").status()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(REPLICATE.all("POST", "/v1/predictions/p-cancel/cancel")).hasSize(1));
            assertThat(REPLICATE.first("POST", "/v1/predictions/p-cancel/cancel").header("Authorization"))
                    .isEqualTo("Bearer " + REPLICATE_KEY);
            awaitStatus(videoId, "CANCELLED");
        }

        @Test
        void aSignedWebhookCompletesTheTaskAndABadOrReplayedOneChangesNothing() throws Exception {
            REPLICATE.on("POST", "/v1/models/kwaivgi/kling-v2.1/predictions", json(201, prediction("p-hook", "starting", null, null)));
            String videoId = submit("kling-hooked", "720x1280", 8);
            awaitEvent(videoId, "UpstreamTaskAccepted");
            JsonNode body = JSON.readTree(REPLICATE.first("POST", "/v1/models/kwaivgi/kling-v2.1/predictions").body());
            assertThat(body.get("webhook").asText()).isEqualTo("https://reelay.example/webhooks/upstream/replicate-hooked");
            assertThat(body.get("webhook_events_filter")).hasSize(2);
            REPLICATE.on("GET", "/v1/predictions/p-hook",
                    json(200, "{\"id\":\"p-hook\",\"status\":\"succeeded\",\"output\":\"" + REPLICATE.url("/files/h.mp4") + "\"}"));

            byte[] delivery = "{\"id\":\"p-hook\",\"status\":\"succeeded\"}".getBytes(StandardCharsets.UTF_8);
            String ts = String.valueOf(Instant.now().getEpochSecond());
            String id = "msg_" + UUID.randomUUID();
            HttpApi.Response forged = deliver("replicate-hooked", delivery, Map.of("webhook-id", id,
                    "webhook-timestamp", ts, "webhook-signature", standardSignature("other".getBytes(), id, ts, delivery)));
            assertThat(forged.status()).isEqualTo(401);
            assertThat(forged.json().get("code").asText()).isEqualTo("WEBHOOK_BAD_SIGNATURE");
            assertThat(REPLICATE.all("GET", "/v1/predictions/p-hook")).isEmpty();

            Map<String, String> headers = Map.of("webhook-id", id, "webhook-timestamp", ts,
                    "webhook-signature", standardSignature(REPLICATE_SECRET, id, ts, delivery));
            HttpApi.Response good = deliver("replicate-hooked", delivery, headers);
            assertThat(good.status()).as(good.body()).isEqualTo(200);
            awaitStatus(videoId, "COMPLETED");

            HttpApi.Response replay = deliver("replicate-hooked", delivery, headers);
            assertThat(replay.status()).isEqualTo(200);
            assertThat(replay.json().get("duplicate").asBoolean()).isTrue();
            assertThat(REPLICATE.all("GET", "/v1/predictions/p-hook")).hasSize(1);
        }
    }

    // ================================================================ fal

    @Nested
    class Fal {

        static final String SUBMIT = "/fal/bytedance/seedance/v1/lite/text-to-video";
        static final String REQUESTS = "/fal/bytedance/seedance/requests/";

        @Test
        void aQueuedRequestReportsItsPlaceAndProgressThenItsResultIsRead() throws Exception {
            FAL.on("POST", SUBMIT, json(200, submitted("r1")));
            FAL.on("GET", REQUESTS + "r1/status?logs=1",
                    json(200, "{\"status\":\"IN_QUEUE\",\"queue_position\":3}"),
                    json(200, "{\"status\":\"IN_PROGRESS\",\"logs\":[{\"message\":\"step 30%|###   |\",\"level\":\"INFO\","
                            + "\"timestamp\":\"2026-12-02T10:00:00Z\"}]}"),
                    json(200, "{\"status\":\"COMPLETED\"}"));
            FAL.on("GET", REQUESTS + "r1", json(200, "{\"video\":{\"url\":\"" + FAL.url("/files/r1.mp4")
                    + "\",\"content_type\":\"video/mp4\"},\"seed\":1}"));
            FAL.on("GET", "/files/r1.mp4", video());

            String videoId = submit("seedance-1", "720x1280", 5);
            awaitStatus(videoId, "COMPLETED");

            Fake.Seen create = FAL.first("POST", SUBMIT);
            assertThat(create.header("Authorization")).isEqualTo("Key " + FAL_KEY);
            assertThat(create.path()).doesNotContain("fal_webhook");
            JsonNode input = JSON.readTree(create.body());
            assertThat(input.get("prompt").asText()).isEqualTo("a fox in snow");
            assertThat(input.get("duration").asText()).isEqualTo("5");
            assertThat(input.get("aspect_ratio").asText()).isEqualTo("9:16");
            assertThat(FAL.first("GET", REQUESTS + "r1/status?logs=1").header("Authorization")).isEqualTo("Key " + FAL_KEY);

            assertThat(payload(videoId, "UpstreamTaskAccepted").get("externalTaskId").asText())
                    .isEqualTo("r1@bytedance/seedance");
            // the provider's queue places, then its progress: each one a ProgressUpdated
            assertThat(payloads(videoId, "ProgressUpdated")).extracting(p -> p.path("queuePosition").asText("-") + "/"
                    + p.get("percent").asInt()).containsExactly("5/0", "3/0", "-/30");
            assertThat(payload(videoId, "TaskCompleted").get("contentLocation").asText()).endsWith("/files/r1.mp4");
            assertThat(content(videoId)).isEqualTo(VIDEO);
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(calls(videoId, "response_summary"))
                    .anySatisfy(s -> assertThat(s).contains("\"queue_position\":3"))
                    .anySatisfy(s -> assertThat(s).contains("step 30%")));
            assertNoKeyLeak(videoId);
        }

        @Test
        void aResultRefusedByTheContentCheckerFailsAsModeration() {
            FAL.on("POST", SUBMIT, json(200, submitted("r-mod")));
            FAL.on("GET", REQUESTS + "r-mod/status?logs=1", json(200, "{\"status\":\"COMPLETED\"}"));
            FAL.on("GET", REQUESTS + "r-mod", json(422, "{\"detail\":[{\"loc\":[\"body\",\"prompt\"],"
                    + "\"msg\":\"The content could not be processed because it contained material flagged by a content checker.\","
                    + "\"type\":\"content_policy_violation\"}]}"));

            String videoId = submit("seedance-1", "720x1280", 5);
            awaitStatus(videoId, "FAILED");

            JsonNode failed = payload(videoId, "TaskFailed");
            assertThat(failed.get("errorCode").asText()).isEqualTo("UPSTREAM_MODERATION");
            assertThat(failed.get("providerCode").asText()).isEqualTo("content_policy_violation");
        }

        @Test
        void aRateLimitAndAServerErrorOnSubmitAreRetried() {
            FAL.on("POST", SUBMIT, json(429, "{\"detail\":\"Too many requests\"}").setHeader("Retry-After", "1"),
                    json(500, "{\"detail\":\"internal\"}"), json(200, submitted("r-retry")));
            FAL.on("GET", REQUESTS + "r-retry/status?logs=1", json(200, "{\"status\":\"COMPLETED\"}"));
            FAL.on("GET", REQUESTS + "r-retry", json(200, "{\"video\":{\"url\":\"" + FAL.url("/files/x.mp4") + "\"}}"));

            String videoId = submit("seedance-1", "720x1280", 5);
            awaitStatus(videoId, "COMPLETED");

            List<Fake.Seen> creates = FAL.all("POST", SUBMIT);
            assertThat(creates).hasSize(3);
            assertWaitedForRetryAfter(creates);
        }

        @Test
        void aSubmitWhoseAnswerIsLostFailsTheTaskRatherThanPayingTwice() {
            FAL.on("POST", SUBMIT, new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));

            String videoId = submit("seedance-1", "720x1280", 5);
            awaitStatus(videoId, "FAILED");

            assertThat(FAL.all("POST", SUBMIT)).hasSize(1);
            assertThat(payload(videoId, "TaskFailed").get("message").asText()).contains("never paid twice");
        }

        @Test
        void aMalformedStatusIsRetriedByTheNextPoll() {
            FAL.on("POST", SUBMIT, json(200, submitted("r-bad")));
            FAL.on("GET", REQUESTS + "r-bad/status?logs=1", json(200, "<html>gateway</html>"), json(200, "{\"status\":\"COMPLETED\"}"));
            FAL.on("GET", REQUESTS + "r-bad", json(200, "{\"video\":{\"url\":\"" + FAL.url("/files/x.mp4") + "\"}}"));

            String videoId = submit("seedance-1", "720x1280", 5);
            awaitStatus(videoId, "COMPLETED");
            assertThat(eventTypes(videoId)).doesNotContain(EVENT + "TaskFailed");
        }

        @Test
        void aTaskWaitingInFalsQueueShowsItsPlaceAndCancellingItCancelsTheRequest() {
            FAL.on("POST", SUBMIT, json(200, submitted("r-cancel")));
            FAL.on("GET", REQUESTS + "r-cancel/status?logs=1", json(200, "{\"status\":\"IN_QUEUE\",\"queue_position\":9}"));
            FAL.on("PUT", REQUESTS + "r-cancel/cancel", json(202, "{\"status\":\"CANCELLATION_REQUESTED\"}"));

            String videoId = submit("seedance-1", "720x1280", 5);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertThat(
                    api.get("/api/video/tasks/" + videoId, token).json().at("/data/queue").toString())
                    .isEqualTo("{\"waitingIn\":\"provider\",\"position\":9}"));
            assertThat(api.postJson("/api/video/tasks/" + videoId + "/cancel", token, "{}").status()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(FAL.all("PUT", REQUESTS + "r-cancel/cancel")).hasSize(1));
            assertThat(FAL.first("PUT", REQUESTS + "r-cancel/cancel").header("Authorization")).isEqualTo("Key " + FAL_KEY);
            awaitStatus(videoId, "CANCELLED");
        }

        @Test
        void anEd25519SignedWebhookCompletesTheTaskAndABadOrReplayedOneChangesNothing() throws Exception {
            FAL.on("POST", SUBMIT, json(200, submitted("r-hook")));
            String videoId = submit("seedance-hooked", "720x1280", 5);
            awaitEvent(videoId, "UpstreamTaskAccepted");
            assertThat(FAL.first("POST", SUBMIT).path()).contains("fal_webhook=https%3A%2F%2Freelay.example%2Fwebhooks%2Fupstream%2Ffal-hooked");
            FAL.on("GET", REQUESTS + "r-hook/status?logs=1", json(200, "{\"status\":\"COMPLETED\"}"));
            FAL.on("GET", REQUESTS + "r-hook", json(200, "{\"video\":{\"url\":\"" + FAL.url("/files/h.mp4") + "\"}}"));

            byte[] delivery = ("{\"request_id\":\"r-hook\",\"gateway_request_id\":\"r-hook\",\"status\":\"OK\","
                    + "\"payload\":{\"video\":{\"url\":\"https://v3.fal.media/files/h.mp4\"}}}").getBytes(StandardCharsets.UTF_8);
            String ts = String.valueOf(Instant.now().getEpochSecond());
            HttpApi.Response forged = deliver("fal-hooked", delivery, falHeaders(STRANGER, "r-hook", ts, delivery));
            assertThat(forged.status()).isEqualTo(401);
            assertThat(forged.json().get("code").asText()).isEqualTo("WEBHOOK_BAD_SIGNATURE");
            assertThat(FAL.all("GET", REQUESTS + "r-hook/status?logs=1")).isEmpty();

            Map<String, String> headers = falHeaders(FAL_SIGNER, "r-hook", ts, delivery);
            HttpApi.Response good = deliver("fal-hooked", delivery, headers);
            assertThat(good.status()).as(good.body()).isEqualTo(200);
            awaitStatus(videoId, "COMPLETED");

            HttpApi.Response replay = deliver("fal-hooked", delivery, headers);
            assertThat(replay.status()).isEqualTo(200);
            assertThat(replay.json().get("duplicate").asBoolean()).isTrue();
            assertThat(FAL.all("GET", REQUESTS + "r-hook/status?logs=1")).hasSize(1);

            String old = String.valueOf(Instant.now().minusSeconds(600).getEpochSecond());
            assertThat(deliver("fal-hooked", delivery, falHeaders(FAL_SIGNER, "r-hook", old, delivery)).json()
                    .get("code").asText()).isEqualTo("WEBHOOK_STALE");
        }
    }

    // ================================================================ gemini-veo

    @Nested
    class Gemini {

        static final String CREATE = "/v1beta/models/veo-3.1-generate-preview:predictLongRunning";
        static final String OPS = "/v1beta/models/veo-3.1-generate-preview/operations/";

        @Test
        void aSlowOperationIsReadUntilDoneAndItsVideoIsDownloadedWithTheKey() throws Exception {
            GEMINI.on("POST", CREATE, json(200, operation("op1", false, null)));
            GEMINI.on("GET", OPS + "op1", json(200, operation("op1", false, null)), json(200, operation("op1", false, null)),
                    json(200, operation("op1", false, null)), json(200, operation("op1", true,
                            "\"response\":{\"@type\":\"type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse\","
                                    + "\"generateVideoResponse\":{\"generatedSamples\":[{\"video\":{\"uri\":\""
                                    + GEMINI.url("/v1beta/files/abc:download?alt=media") + "\"}}]}}")));
            GEMINI.on("GET", "/v1beta/files/abc:download?alt=media", video());

            String videoId = submit("veo-3.1", "1280x720", 8);
            awaitStatus(videoId, "COMPLETED");

            Fake.Seen create = GEMINI.first("POST", CREATE);
            assertThat(create.header("x-goog-api-key")).isEqualTo(GEMINI_KEY);
            assertThat(create.path()).doesNotContain(GEMINI_KEY).doesNotContain("key=");
            JsonNode body = JSON.readTree(create.body());
            assertThat(body.at("/instances/0/prompt").asText()).isEqualTo("a fox in snow");
            assertThat(body.at("/instances/0/image").isMissingNode()).isTrue();
            assertThat(body.at("/parameters/aspectRatio").asText()).isEqualTo("16:9");
            assertThat(body.at("/parameters/resolution").asText()).isEqualTo("720p");
            assertThat(body.at("/parameters/durationSeconds").asInt()).isEqualTo(8);
            assertThat(GEMINI.all("GET", OPS + "op1")).hasSizeGreaterThanOrEqualTo(4)
                    .allSatisfy(s -> assertThat(s.header("x-goog-api-key")).isEqualTo(GEMINI_KEY));
            assertThat(payload(videoId, "UpstreamTaskAccepted").get("externalTaskId").asText())
                    .isEqualTo("models/veo-3.1-generate-preview/operations/op1");

            assertThat(content(videoId)).isEqualTo(VIDEO);
            assertThat(GEMINI.first("GET", "/v1beta/files/abc:download?alt=media").header("x-goog-api-key")).isEqualTo(GEMINI_KEY);
            assertNoKeyLeak(videoId);
        }

        @Test
        void aReferenceImageGoesInlineToTheImageModel() throws Exception {
            GEMINI.on("POST", "/v1beta/models/veo-3.1-image-preview:predictLongRunning", json(200,
                    "{\"name\":\"models/veo-3.1-image-preview/operations/op-img\"}"));
            GEMINI.on("GET", "/v1beta/models/veo-3.1-image-preview/operations/op-img", json(200,
                    "{\"name\":\"models/veo-3.1-image-preview/operations/op-img\",\"done\":false}"));
            byte[] png = Arrays.copyOf(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, 32);

            HttpApi.Response created = api.postJson("/api/video/tasks", token, "{\"prompt\":\"a fox\",\"model\":\"veo-3.1\","
                    + "\"size\":\"720x1280\",\"seconds\":5,\"referenceImage\":\"data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(png) + "\"}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            awaitEvent(created.json().at("/data/videoId").asText(), "UpstreamTaskAccepted");

            JsonNode body = JSON.readTree(GEMINI.first("POST", "/v1beta/models/veo-3.1-image-preview:predictLongRunning").body());
            assertThat(body.at("/instances/0/image/bytesBase64Encoded").asText()).isEqualTo(Base64.getEncoder().encodeToString(png));
            assertThat(body.at("/instances/0/image/mimeType").asText()).isEqualTo("image/png");
            assertThat(body.at("/parameters/aspectRatio").asText()).isEqualTo("9:16");
        }

        @Test
        void aFilteredVideoFailsAsModerationAndAnOperationErrorKeepsItsCode() {
            GEMINI.on("POST", CREATE, json(200, operation("op-rai", false, null)), json(200, operation("op-err", false, null)));
            GEMINI.on("GET", OPS + "op-rai", json(200, operation("op-rai", true, "\"response\":{\"generateVideoResponse\":"
                    + "{\"raiMediaFilteredCount\":1,\"raiMediaFilteredReasons\":[\"The video was filtered by safety rules.\"]}}")));
            GEMINI.on("GET", OPS + "op-err", json(200, operation("op-err", true,
                    "\"error\":{\"code\":3,\"message\":\"durationSeconds out of range\"}")));

            String filtered = submit("veo-3.1", "1280x720", 8);
            awaitStatus(filtered, "FAILED");
            String broken = submit("veo-3.1", "1280x720", 8);
            awaitStatus(broken, "FAILED");

            assertThat(payload(filtered, "TaskFailed").get("errorCode").asText()).isEqualTo("UPSTREAM_MODERATION");
            JsonNode failed = payload(broken, "TaskFailed");
            assertThat(failed.get("errorCode").asText()).isEqualTo("UPSTREAM_ERROR");
            assertThat(failed.get("providerCode").asText()).isEqualTo("INVALID_ARGUMENT");
            assertThat(failed.get("message").asText()).contains("durationSeconds out of range");
            assertNoKeyLeak(broken);
        }

        @Test
        void aResourceExhaustedAnswerWaitsForRetryAfterAndAServerErrorIsRetried() {
            GEMINI.on("POST", CREATE, json(429, "{\"error\":{\"code\":429,\"message\":\"quota\",\"status\":\"RESOURCE_EXHAUSTED\"}}")
                            .setHeader("Retry-After", "1"),
                    json(500, "{\"error\":{\"code\":500,\"message\":\"internal\",\"status\":\"INTERNAL\"}}"),
                    json(200, operation("op-retry", false, null)));
            GEMINI.on("GET", OPS + "op-retry", json(200, operation("op-retry", false, null)));

            String videoId = submit("veo-3.1", "1280x720", 8);
            awaitEvent(videoId, "UpstreamTaskAccepted");

            List<Fake.Seen> creates = GEMINI.all("POST", CREATE);
            assertThat(creates).hasSize(3);
            assertWaitedForRetryAfter(creates);
        }

        @Test
        void aRequestTheApiRefusesFailsWithItsStatusAndAMalformedOperationIsRetried() {
            GEMINI.on("POST", CREATE, json(400, "{\"error\":{\"code\":400,\"message\":\"bad aspect ratio\",\"status\":\"INVALID_ARGUMENT\"}}"),
                    json(200, operation("op-bad", false, null)));
            GEMINI.on("GET", OPS + "op-bad", json(200, "{\"done\":true}"),
                    json(200, operation("op-bad", true, "\"response\":{\"generateVideoResponse\":{\"generatedSamples\":[{\"video\":{\"uri\":\""
                            + GEMINI.url("/v1beta/files/b:download?alt=media") + "\"}}]}}")));

            String refused = submit("veo-3.1", "1280x720", 8);
            awaitStatus(refused, "FAILED");
            JsonNode failed = payload(refused, "TaskFailed");
            assertThat(failed.get("errorCode").asText()).isEqualTo("UPSTREAM_REJECTED");
            assertThat(failed.get("providerCode").asText()).isEqualTo("INVALID_ARGUMENT");

            String malformed = submit("veo-3.1", "1280x720", 8);
            awaitStatus(malformed, "COMPLETED");
            assertThat(eventTypes(malformed)).doesNotContain(EVENT + "TaskFailed");
        }

        @Test
        void aCreateWhoseAnswerIsLostFailsTheTaskRatherThanPayingTwice() {
            GEMINI.on("POST", CREATE, new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));

            String videoId = submit("veo-3.1", "1280x720", 8);
            awaitStatus(videoId, "FAILED");

            assertThat(GEMINI.all("POST", CREATE)).hasSize(1);
            assertThat(payload(videoId, "TaskFailed").get("message").asText()).contains("never paid twice");
        }

        @Test
        void cancellingATaskCallsNothingUpstreamBecauseVeoHasNoCancel() {
            GEMINI.on("POST", CREATE, json(200, operation("op-cancel", false, null)));
            GEMINI.on("GET", OPS + "op-cancel", json(200, operation("op-cancel", false, null)));

            String videoId = submit("veo-3.1", "1280x720", 8);
            awaitEvent(videoId, "UpstreamTaskAccepted");
            assertThat(api.postJson("/api/video/tasks/" + videoId + "/cancel", token, "{}").status()).isEqualTo(200);
            awaitStatus(videoId, "CANCELLED");

            assertThat(GEMINI.seen).noneSatisfy(s -> assertThat(s.path()).contains("cancel"));
            assertThat(GEMINI.seen).allSatisfy(s -> assertThat(s.method()).isIn("GET", "POST"));
        }
    }

    // ---------------------------------------------------------------- helpers

    private String submit(String model, String size, int seconds) {
        HttpApi.Response created = api.postJson("/api/video/tasks", token,
                "{\"prompt\":\"a fox in snow\",\"model\":\"" + model + "\",\"size\":\"" + size + "\",\"seconds\":" + seconds + "}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }

    /** The second call came at least the 429's {@code Retry-After: 1} after the first. */
    private static void assertWaitedForRetryAfter(List<Fake.Seen> calls) {
        assertThat(TimeUnit.NANOSECONDS.toMillis(calls.get(1).atNanos() - calls.get(0).atNanos()))
                .as("the retry waits for Retry-After").isGreaterThanOrEqualTo(1000);
    }

    /** The keys stay out of the call log and the events, even of a task that failed. */
    private void assertNoKeyLeak(String videoId) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(calls(videoId, "request_summary")).isNotEmpty());
        List<String> stored = new java.util.ArrayList<>(eventPayloads(videoId));
        for (String column : List.of("error", "request_summary", "response_summary")) {
            stored.addAll(calls(videoId, column));
        }
        for (String key : List.of(REPLICATE_KEY, FAL_KEY, GEMINI_KEY)) {
            assertThat(stored).allSatisfy(row -> assertThat(row).doesNotContain(key));
        }
    }

    private byte[] content(String videoId) {
        HttpApi.Response response = api.get("/api/video/tasks/" + videoId + "/content", token);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.raw().body();
    }

    private HttpApi.Response deliver(String providerId, byte[] body, Map<String, String> headers) {
        return api.send("POST", "/webhooks/upstream/" + providerId, null, "application/json", body, headers);
    }

    private void awaitStatus(String videoId, String status) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText()).isEqualTo(status));
    }

    private void awaitEvent(String videoId, String type) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(eventTypes(videoId)).contains(EVENT + type));
    }

    private List<String> eventTypes(String videoId) {
        return jdbc.queryForList("select payload_type from domain_event_entry where aggregate_identifier = ? "
                + "order by sequence_number", String.class, videoId);
    }

    private List<String> eventPayloads(String videoId) {
        return jdbc.queryForList("select convert_from(payload, 'UTF8') from domain_event_entry where aggregate_identifier = ?",
                String.class, videoId);
    }

    private List<String> calls(String videoId, String column) {
        return jdbc.queryForList("select coalesce(" + column + ", '') from upstream_call where video_id = ? order by id",
                String.class, videoId);
    }

    private List<JsonNode> payloads(String videoId, String type) {
        return jdbc.queryForList("select payload from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type = ? order by sequence_number", byte[].class, videoId, EVENT + type).stream().map(p -> {
            try {
                return JSON.readTree(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
    }

    private JsonNode payload(String videoId, String type) {
        List<byte[]> payloads = jdbc.queryForList("select payload from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type = ? order by sequence_number", byte[].class, videoId, EVENT + type);
        assertThat(payloads).as("%s events of %s", type, videoId).hasSize(1);
        try {
            return JSON.readTree(payloads.get(0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String prediction(String id, String status, String logs, String error) {
        return "{\"id\":\"" + id + "\",\"model\":\"kwaivgi/kling-v2.1\",\"status\":\"" + status + "\",\"input\":{},"
                + "\"logs\":" + (logs == null ? "null" : JSON.valueToTree(logs).toString()) + ",\"output\":null,\"error\":"
                + (error == null ? "null" : JSON.valueToTree(error).toString()) + ",\"urls\":{\"get\":\"https://api.replicate.com/v1/predictions/"
                + id + "\",\"cancel\":\"https://api.replicate.com/v1/predictions/" + id + "/cancel\"}}";
    }

    static String submitted(String requestId) {
        String base = "https://queue.fal.run/bytedance/seedance/requests/" + requestId;
        return "{\"request_id\":\"" + requestId + "\",\"response_url\":\"" + base + "\",\"status_url\":\"" + base
                + "/status\",\"cancel_url\":\"" + base + "/cancel\",\"queue_position\":5}";
    }

    static String operation(String id, boolean done, String outcome) {
        return "{\"name\":\"models/veo-3.1-generate-preview/operations/" + id + "\",\"done\":" + done
                + (outcome == null ? "" : "," + outcome) + "}";
    }

    static MockResponse json(int status, String body) {
        return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json").setBody(body);
    }

    static MockResponse video() {
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "video/mp4").setBody(new Buffer().write(VIDEO));
    }

    static String standardSignature(byte[] secret, String id, String ts, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((id + "." + ts + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A delivery as fal signs it: ED25519 over request id, user id, timestamp and the body's SHA-256, in hex. */
    static Map<String, String> falHeaders(KeyPair signer, String requestId, String ts, byte[] body) {
        try {
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
            Signature ed = Signature.getInstance("Ed25519");
            ed.initSign(signer.getPrivate());
            ed.update((requestId + "\nuser-1\n" + ts + "\n" + digest).getBytes(StandardCharsets.UTF_8));
            return Map.of("X-Fal-Webhook-Request-Id", requestId, "X-Fal-Webhook-User-Id", "user-1",
                    "X-Fal-Webhook-Timestamp", ts, "X-Fal-Webhook-Signature", HexFormat.of().formatHex(ed.sign()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** fal's JWKS: the raw 32-byte public key is the end of its X.509 encoding. */
    static String jwks() {
        byte[] spki = FAL_SIGNER.getPublic().getEncoded();
        String x = Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOfRange(spki, spki.length - 32, spki.length));
        return "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + x + "\"}]}";
    }

    /**
     * A scripted provider: answers per method and exact path (query included) from a queue whose last answer repeats;
     * anything unscripted is 404. It serves fal's JWKS too.
     */
    static final class Fake extends Dispatcher {
        final MockWebServer server = new MockWebServer();
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        private final Map<String, Deque<MockResponse>> answers = new java.util.concurrent.ConcurrentHashMap<>();

        record Seen(long atNanos, String method, String path, okhttp3.Headers headers, String body) {
            String header(String name) {
                return headers.get(name);
            }
        }

        Fake() {
            server.setDispatcher(this);
            try {
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getPort() + path;
        }

        synchronized void reset() {
            answers.clear();
            seen.clear();
        }

        synchronized void on(String method, String path, MockResponse... responses) {
            answers.put(method + " " + path, new ArrayDeque<>(List.of(responses)));
        }

        List<Seen> all(String method, String pathStart) {
            Pattern exact = Pattern.compile(Pattern.quote(pathStart) + "(\\?.*)?");
            return seen.stream().filter(s -> s.method().equals(method) && exact.matcher(s.path()).matches()).toList();
        }

        Seen first(String method, String pathStart) {
            List<Seen> matching = all(method, pathStart);
            assertThat(matching).as("%s %s in %s", method, pathStart, seen).isNotEmpty();
            return matching.get(0);
        }

        @Override
        public synchronized MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath() == null ? "" : request.getPath();
            seen.add(new Seen(System.nanoTime(), request.getMethod(), path, request.getHeaders(),
                    request.getBody().clone().readUtf8()));
            if (path.equals("/.well-known/jwks.json")) {
                return json(200, jwks());
            }
            Deque<MockResponse> queue = answers.get(request.getMethod() + " " + path);
            if (queue == null && path.contains("?fal_webhook=")) {
                queue = answers.get(request.getMethod() + " " + path.substring(0, path.indexOf('?')));
            }
            if (queue == null || queue.isEmpty()) {
                return json(404, "{\"detail\":\"nothing scripted for " + request.getMethod() + " " + path + "\"}");
            }
            return queue.size() > 1 ? queue.poll() : queue.peek();
        }
    }
}
