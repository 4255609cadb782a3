package dev.reelay.infra.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import okhttp3.Headers;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The upstream adapters against scripted providers (MockWebServer): wire formats, retry, Retry-After, fail-over,
 * classification of failures, idempotent retries after a timeout, and redaction of the provider key.
 */
@ReelayIntegrationTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProviderAdaptersTest {

    static final String KEY = "test-key-" + java.util.UUID.randomUUID();
    static final String RELAY_KEY = "relay-key-" + java.util.UUID.randomUUID();
    static final String EVENT = "dev.reelay.kernel.event.";
    static final ObjectMapper JSON = new ObjectMapper();

    static final Upstream PRIMARY = new Upstream("primary");
    static final Upstream BACKUP = new Upstream("backup");
    static final Upstream RELAY = new Upstream("relay");
    /** Every API response body this class received, for the key-leak check. */
    static final List<String> API_BODIES = new CopyOnWriteArrayList<>();

    @DynamicPropertySource
    static void providers(DynamicPropertyRegistry registry) {
        registry.add("reelay.sandbox.enabled", () -> "false");
        // these tests count every request a mock provider sees; copy-on-complete downloads are tested elsewhere
        registry.add("reelay.content.archive-on-complete", () -> "false");
        registry.add("reelay.upstream.first-backoff", () -> "100ms");
        registry.add("reelay.upstream.max-backoff", () -> "500ms");
        registry.add("reelay.upstream.attempts-per-provider", () -> "3");
        provider(registry, 0, PRIMARY, "openai-videos", KEY, 1, "sora-2");
        provider(registry, 1, BACKUP, "openai-videos", KEY, 2, "sora-2");
        provider(registry, 2, RELAY, "relay-multipart", RELAY_KEY, 1, "sora_video2");
    }

    private static void provider(DynamicPropertyRegistry registry, int index, Upstream upstream, String format,
                                 String key, int priority, String model) {
        String p = "reelay.providers[" + index + "].";
        registry.add(p + "id", () -> upstream.name);
        registry.add(p + "format", () -> format);
        registry.add(p + "base-url", () -> "http://127.0.0.1:" + upstream.server.getPort() + "/v1");
        registry.add(p + "api-key", () -> key);
        registry.add(p + "priority", () -> String.valueOf(priority));
        registry.add(p + "models[0]", () -> model);
        registry.add(p + "poll-initial", () -> "1s");
        registry.add(p + "poll-min", () -> "500ms");
        registry.add(p + "poll-max", () -> "2s");
        registry.add(p + "read-timeout", () -> "2s");
    }

    @AfterAll
    static void stopServers() throws IOException {
        PRIMARY.server.shutdown();
        BACKUP.server.shutdown();
        RELAY.server.shutdown();
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    HttpApi api;
    String token;

    @BeforeEach
    void reset() {
        PRIMARY.reset();
        BACKUP.reset();
        RELAY.reset();
        api = new HttpApi(port);
        token = api.token("alice");
    }

    // ---------------------------------------------------------------- openai-videos

    @Test
    @Order(1)
    void openAiJsonCreateThenPollsUntilCompleted() throws Exception {
        PRIMARY.onCreate(job("vid_json1", "queued", 0));
        PRIMARY.onRetrieve("vid_json1", job("vid_json1", "in_progress", 40), job("vid_json1", "completed", 100));

        String videoId = submitSora("a lighthouse at dusk");
        awaitViewStatus(videoId, "COMPLETED");

        RecordedRequest create = PRIMARY.server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(create).isNotNull();
        assertThat(create.getMethod()).isEqualTo("POST");
        assertThat(create.getPath()).isEqualTo("/v1/videos");
        assertThat(create.getHeader("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(create.getHeader("Idempotency-Key")).isEqualTo(videoId);
        assertThat(create.getHeader("Content-Type")).startsWith("application/json");
        JsonNode body = JSON.readTree(create.getBody().readUtf8());
        assertThat(body.get("model").asText()).isEqualTo("sora-2");
        assertThat(body.get("prompt").asText()).isEqualTo("a lighthouse at dusk");
        assertThat(body.get("size").asText()).isEqualTo("720x1280");
        assertThat(body.get("seconds").isTextual()).as("seconds is sent as a string: %s", body).isTrue();
        assertThat(body.get("seconds").asText()).isEqualTo("4");

        RecordedRequest firstPoll = PRIMARY.server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(firstPoll).isNotNull();
        assertThat(firstPoll.getMethod()).isEqualTo("GET");
        assertThat(firstPoll.getPath()).isEqualTo("/v1/videos/vid_json1");
        assertThat(firstPoll.getHeader("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(firstPoll.getHeader("Idempotency-Key")).isNull();
        assertThat(PRIMARY.creates()).hasSize(1);
        assertThat(PRIMARY.retrieves("vid_json1")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(BACKUP.seen).isEmpty();

        List<String> types = eventTypes(videoId);
        assertThat(types).containsExactly(EVENT + "TaskSubmitted", EVENT + "UpstreamTaskAccepted",
                EVENT + "ProgressUpdated", EVENT + "TaskCompleted");
        assertThat(eventPayload(videoId, "ProgressUpdated").get("percent").asInt()).isEqualTo(40);
        JsonNode accepted = eventPayload(videoId, "UpstreamTaskAccepted");
        assertThat(accepted.get("providerId").asText()).isEqualTo("primary");
        assertThat(accepted.get("externalTaskId").asText()).isEqualTo("vid_json1");

        JsonNode view = view(videoId);
        assertThat(view.get("provider").asText()).isEqualTo("primary");
        assertThat(view.get("externalTaskId").asText()).isEqualTo("vid_json1");
        assertThat(view.get("progress").asInt()).isEqualTo(100);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.queryForList(
                "select operation || ':' || coalesce(http_status::text, '-') from upstream_call where video_id = ? order by id",
                String.class, videoId)).startsWith("route:-", "create:200", "retrieve:200", "retrieve:200"));
        // the routing decision is the first row: the only provider offering sora-2 at priority 1 ahead of the backup
        assertThat(jdbc.queryForObject("select response_summary from upstream_call where video_id = ? and operation = 'route'",
                String.class, videoId)).contains("\"reason\":\"priority 1 before 2\"");
    }

    @Test
    @Order(2)
    void aServerErrorOnCreateIsRetriedOnce() {
        PRIMARY.onCreate(error(500, "server_error", "boom"), job("vid_retry500", "queued", 0));
        PRIMARY.onRetrieve("vid_retry500", job("vid_retry500", "completed", 100));

        String videoId = submitSora("retry after a 500");
        awaitEvent(videoId, "UpstreamTaskAccepted");

        assertThat(PRIMARY.creates()).hasSize(2);
        assertThat(PRIMARY.creates()).allSatisfy(r -> assertThat(r.header("Idempotency-Key")).isEqualTo(videoId));
        assertThat(BACKUP.creates()).isEmpty();
        assertThat(eventPayload(videoId, "UpstreamTaskAccepted").get("providerId").asText()).isEqualTo("primary");
        awaitViewStatus(videoId, "COMPLETED");
        assertThat(PRIMARY.creates()).hasSize(2);
        assertThat(eventTypes(videoId)).doesNotContain(EVENT + "TaskFailed");
    }

    @Test
    @Order(3)
    void aRateLimitIsWaitedOutForItsRetryAfter() {
        PRIMARY.onCreate(error(429, "rate_limit_exceeded", "slow down").setHeader("Retry-After", "1"),
                job("vid_429", "queued", 0));
        PRIMARY.onRetrieve("vid_429", job("vid_429", "completed", 100));

        String videoId = submitSora("wait for retry-after");
        awaitEvent(videoId, "UpstreamTaskAccepted");

        List<Seen> creates = PRIMARY.creates();
        assertThat(creates).hasSize(2);
        long gapMs = TimeUnit.NANOSECONDS.toMillis(creates.get(1).atNanos() - creates.get(0).atNanos());
        assertThat(gapMs).as("gap between the 429 and the retry").isGreaterThanOrEqualTo(1000);
        awaitViewStatus(videoId, "COMPLETED");
    }

    @Test
    @Order(4)
    void aProviderThatKeepsAnswering503FailsOverToTheBackup() {
        PRIMARY.onCreate(error(503, "overloaded", "try later"));
        BACKUP.onCreate(job("vid_backup1", "queued", 0));
        BACKUP.onRetrieve("vid_backup1", job("vid_backup1", "completed", 100));

        String videoId = submitSora("fail over please");
        awaitEvent(videoId, "UpstreamTaskAccepted");

        assertThat(PRIMARY.creates()).hasSize(3); // attempts-per-provider
        assertThat(BACKUP.creates()).hasSize(1);
        assertThat(BACKUP.creates().get(0).header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(BACKUP.creates().get(0).header("Idempotency-Key")).isEqualTo(videoId);
        JsonNode accepted = eventPayload(videoId, "UpstreamTaskAccepted");
        assertThat(accepted.get("providerId").asText()).isEqualTo("backup");
        assertThat(accepted.get("externalTaskId").asText()).isEqualTo("vid_backup1");

        awaitViewStatus(videoId, "COMPLETED");
        assertThat(view(videoId).get("provider").asText()).isEqualTo("backup");
        assertThat(BACKUP.retrieves("vid_backup1")).isNotEmpty();
        assertThat(PRIMARY.seen).allSatisfy(s -> assertThat(s.method()).isEqualTo("POST"));
    }

    @Test
    @Order(5)
    void aModerationRefusalFailsTheTaskWithoutRetry() {
        PRIMARY.onCreate(error(400, "moderation_blocked", "Your request was blocked by our moderation system."));
        BACKUP.onCreate(job("vid_never", "queued", 0));

        String videoId = submitSora("something the provider refuses");
        awaitViewStatus(videoId, "FAILED");

        assertThat(PRIMARY.creates()).hasSize(1);
        assertThat(BACKUP.creates()).isEmpty();
        JsonNode failed = eventPayload(videoId, "TaskFailed");
        assertThat(failed.get("errorCode").asText()).isEqualTo("UPSTREAM_MODERATION");
        assertThat(failed.get("providerCode").asText()).isEqualTo("moderation_blocked");
        assertThat(failed.get("retryable").asBoolean()).isFalse();
        assertThat(eventTypes(videoId)).doesNotContain(EVENT + "UpstreamTaskAccepted");
        assertThat(view(videoId).at("/error/code").asText()).isEqualTo("UPSTREAM_MODERATION");
    }

    @Test
    @Order(6)
    void aTimedOutCreateIsRetriedWithTheSameIdempotencyKey() {
        PRIMARY.onCreate(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE), job("vid_timeout", "queued", 0));
        PRIMARY.onRetrieve("vid_timeout", job("vid_timeout", "completed", 100));

        String videoId = submitSora("the first answer is lost");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(eventTypes(videoId)).contains(EVENT + "UpstreamTaskAccepted"));

        List<Seen> creates = PRIMARY.creates();
        assertThat(creates).hasSize(2);
        assertThat(creates.get(0).header("Idempotency-Key")).isEqualTo(videoId);
        assertThat(creates.get(1).header("Idempotency-Key")).isEqualTo(creates.get(0).header("Idempotency-Key"));
        assertThat(creates.get(1).body()).isEqualTo(creates.get(0).body());
        assertThat(TimeUnit.NANOSECONDS.toMillis(creates.get(1).atNanos() - creates.get(0).atNanos()))
                .as("the retry comes after the 2 s read timeout").isGreaterThanOrEqualTo(1900);
        assertThat(BACKUP.creates()).isEmpty();
        assertThat(eventPayload(videoId, "UpstreamTaskAccepted").get("providerId").asText()).isEqualTo("primary");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.queryForList(
                "select error from upstream_call where video_id = ? and operation = 'create' and http_status is null",
                String.class, videoId)).singleElement().asString().contains("no answer in time"));
        awaitViewStatus(videoId, "COMPLETED");
    }

    @Test
    @Order(7)
    void aMalformedStatusAnswerIsTransientAndTheNextPollCompletes() {
        PRIMARY.onCreate(job("vid_malformed", "queued", 0));
        PRIMARY.onRetrieve("vid_malformed",
                new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                        .setBody("{\"id\":\"vid_malformed\",\"status\":"),
                job("vid_malformed", "completed", 100));

        String videoId = submitSora("garbled status");
        awaitViewStatus(videoId, "COMPLETED");

        assertThat(PRIMARY.retrieves("vid_malformed")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(eventTypes(videoId)).doesNotContain(EVENT + "TaskFailed")
                .endsWith(EVENT + "TaskCompleted");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.queryForList(
                "select error from upstream_call where video_id = ? and operation = 'retrieve' order by id",
                String.class, videoId)).first().asString().contains("malformed response"));
    }

    @Test
    @Order(8)
    void aJobThatIsAlreadyCompletedWhenTheRetriedCreateAnswersCompletesTheTask() {
        PRIMARY.onCreate(error(500, "server_error", "hiccup"), job("vid_done_at_once", "completed", 100));

        String videoId = submitSora("done on the retry");
        awaitViewStatus(videoId, "COMPLETED");

        assertThat(PRIMARY.creates()).hasSize(2);
        List<String> types = eventTypes(videoId);
        assertThat(types.stream().filter(t -> t.equals(EVENT + "UpstreamTaskAccepted"))).hasSize(1);
        assertThat(types.stream().filter(t -> t.equals(EVENT + "TaskCompleted"))).hasSize(1);
        assertThat(types).doesNotContain(EVENT + "TaskFailed", EVENT + "LateOutcomeRecorded");
        assertThat(eventPayload(videoId, "UpstreamTaskAccepted").get("externalTaskId").asText()).isEqualTo("vid_done_at_once");
        assertThat(jdbc.queryForObject("select count(*) from upstream_binding where video_id = ?", Integer.class, videoId))
                .isEqualTo(1);
        JsonNode view = view(videoId);
        assertThat(view.get("externalTaskId").asText()).isEqualTo("vid_done_at_once");
        assertThat(view.get("progress").asInt()).isEqualTo(100);
    }

    // ---------------------------------------------------------------- relay-multipart

    @Test
    @Order(9)
    void relayMultipartCreateAndVideoUrlStatus() {
        RELAY.onCreate(json(200, "{\"id\":\"r1\",\"status\":\"queued\"}"));
        RELAY.onRetrieve("r1", json(200, "{\"id\":\"r1\",\"status\":\"success\",\"video_url\":\"https://cdn.example/r1.mp4\"}"));

        HttpApi.Response created = post("/api/video/tasks",
                "{\"prompt\":\"a paper boat on a river\",\"model\":\"sora_video2\",\"size\":\"1280x720\",\"seconds\":10}");
        String videoId = created.json().at("/data/videoId").asText();
        awaitViewStatus(videoId, "COMPLETED");

        assertThat(PRIMARY.seen).isEmpty();
        assertThat(BACKUP.seen).isEmpty();
        List<Seen> creates = RELAY.creates();
        assertThat(creates).hasSize(1);
        Seen create = creates.get(0);
        assertThat(create.path()).isEqualTo("/v1/videos");
        assertThat(create.header("Authorization")).isEqualTo(RELAY_KEY);
        assertThat(create.header("Content-Type")).startsWith("multipart/form-data");
        Map<String, String> parts = multipartFields(create);
        assertThat(parts).containsEntry("prompt", "a paper boat on a river")
                .containsEntry("model", "sora_video2")
                .containsEntry("size", "1280x720")
                .containsEntry("seconds", "10")
                .containsEntry("duration", "10")
                .doesNotContainKey("input_reference");

        List<Seen> polls = RELAY.retrieves("r1");
        assertThat(polls).isNotEmpty();
        assertThat(polls.get(0).method()).isEqualTo("GET");
        assertThat(polls.get(0).header("Authorization")).isEqualTo(RELAY_KEY);

        JsonNode completed = eventPayload(videoId, "TaskCompleted");
        assertThat(completed.get("contentLocation").asText()).isEqualTo("https://cdn.example/r1.mp4");
        JsonNode view = view(videoId);
        assertThat(view.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(view.get("provider").asText()).isEqualTo("relay");
        assertThat(view.get("externalTaskId").asText()).isEqualTo("r1");
    }

    @Test
    @Order(10)
    void aRemixOnTheRelayPostsPromptAndModelAsJsonToTheSourcesJobAndCompletes() throws Exception {
        RELAY.onCreate(json(200, "{\"id\":\"r-src\",\"status\":\"queued\"}"));
        RELAY.onRetrieve("r-src", json(200, "{\"id\":\"r-src\",\"status\":\"success\",\"video_url\":\"https://cdn.example/r-src.mp4\"}"));
        RELAY.onRemix(json(200, "{\"id\":\"r-remix\",\"status\":\"queued\"}"));
        RELAY.onRetrieve("r-remix", json(200, "{\"id\":\"r-remix\",\"status\":\"processing\",\"progress\":50}"),
                json(200, "{\"id\":\"r-remix\",\"status\":\"success\",\"video_url\":\"https://cdn.example/r-remix.mp4\"}"));

        String source = post("/api/video/tasks",
                "{\"prompt\":\"a paper crane\",\"model\":\"sora_video2\",\"size\":\"720x720\",\"duration\":5}")
                .json().at("/data/videoId").asText();
        awaitViewStatus(source, "COMPLETED");

        JsonNode answer = post("/api/video/tasks/" + source + "/remix",
                "{\"prompt\":\"the crane takes off\",\"model\":\"sora_video2\"}").json().get("data");
        String remixId = answer.get("videoId").asText();
        assertThat(answer.get("status").asText()).isEqualTo("QUEUED");
        assertThat(answer.has("externalTaskId")).as("externalTaskId is written, as null: %s", answer).isTrue();
        assertThat(answer.get("externalTaskId").isNull()).isTrue();
        assertThat(answer.get("remixed_from").asText()).isEqualTo(source);
        assertThat(answer.get("message").asText()).contains(source).contains(remixId);
        assertThat(answer.at("/metadata/type").asText()).isEqualTo("remix");
        assertThat(answer.at("/metadata/remix_from").asText()).isEqualTo(source);
        assertThat(answer.at("/metadata/remix_from_external").asText()).isEqualTo("r-src");
        assertThat(answer.at("/metadata/externalTaskId").isNull()).isTrue();
        awaitViewStatus(remixId, "COMPLETED");

        List<Seen> remixes = RELAY.remixes();
        assertThat(remixes).hasSize(1);
        Seen remix = remixes.get(0);
        assertThat(remix.path()).isEqualTo("/v1/videos/r-src/remix");
        assertThat(remix.header("Authorization")).isEqualTo(RELAY_KEY);
        assertThat(remix.header("Content-Type")).startsWith("application/json");
        JsonNode body = JSON.readTree(remix.body());
        assertThat(body.get("prompt").asText()).isEqualTo("the crane takes off");
        assertThat(body.get("model").asText()).isEqualTo("sora_video2");
        assertThat(body.size()).as("only prompt and model: %s", body).isEqualTo(2);
        assertThat(RELAY.creates()).as("the remix is not a second create").hasSize(1);

        assertThat(eventTypes(remixId)).doesNotContain(EVENT + "TaskFailed").endsWith(EVENT + "TaskCompleted");
        assertThat(eventPayload(remixId, "UpstreamTaskAccepted").get("externalTaskId").asText()).isEqualTo("r-remix");
        JsonNode view = view(remixId);
        assertThat(view.get("provider").asText()).isEqualTo("relay");
        assertThat(view.get("externalTaskId").asText()).isEqualTo("r-remix");
        assertThat(view.get("size").asText()).isEqualTo("720x720");
        assertThat(view.get("seconds").asInt()).isEqualTo(5);
        assertThat(view.at("/metadata/externalTaskId").asText()).isEqualTo("r-remix");
        assertThat(view.at("/metadata/remix_from_external").asText()).isEqualTo("r-src");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.queryForList(
                "select operation || ':' || coalesce(http_status::text, '-') from upstream_call where video_id = ? order by id",
                String.class, remixId)).startsWith("remix:200"));
    }

    @Test
    @Order(11)
    void anOpenAiVideosRemixNamesItsModelBesideThePrompt() throws Exception {
        PRIMARY.onCreate(job("vid_src", "queued", 0));
        PRIMARY.onRetrieve("vid_src", job("vid_src", "completed", 100));
        PRIMARY.onRemix(job("vid_rmx", "queued", 0));
        PRIMARY.onRetrieve("vid_rmx", job("vid_rmx", "completed", 100));

        String source = submitSora("a kite over the dunes");
        awaitViewStatus(source, "COMPLETED");
        String remixId = post("/api/video/tasks/" + source + "/remix", "{\"prompt\":\"at night\"}")
                .json().at("/data/videoId").asText();
        awaitViewStatus(remixId, "COMPLETED");

        List<Seen> remixes = PRIMARY.remixes();
        assertThat(remixes).hasSize(1);
        assertThat(remixes.get(0).path()).isEqualTo("/v1/videos/vid_src/remix");
        assertThat(remixes.get(0).header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(remixes.get(0).header("Idempotency-Key")).isEqualTo(remixId);
        JsonNode body = JSON.readTree(remixes.get(0).body());
        assertThat(body.get("prompt").asText()).isEqualTo("at night");
        assertThat(body.get("model").asText()).as("the source's model, kept by the remix").isEqualTo("sora-2");
        assertThat(view(remixId).at("/metadata/remix_from_external").asText()).isEqualTo("vid_src");
    }

    // ---------------------------------------------------------------- the key never leaks

    @Test
    @Order(100)
    void theProviderKeyNeverAppearsInTheCallLogNorInApiResponses() throws Exception {
        // A provider that echoes the key back in its errors and in a job failure message.
        PRIMARY.onCreate(json(500, "{\"error\":{\"code\":\"server_error\",\"message\":\"bad gateway for Bearer " + KEY + "\"}}"),
                job("vid_echo", "queued", 0));
        PRIMARY.onRetrieve("vid_echo", json(200, "{\"id\":\"vid_echo\",\"status\":\"failed\",\"error\":{\"code\":\"internal_error\","
                + "\"message\":\"job failed for key " + KEY + "\"}}"));

        String videoId = submitSora("echo the key back");
        awaitViewStatus(videoId, "FAILED");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "select count(*) from upstream_call where video_id = ?", Integer.class, videoId)).isGreaterThanOrEqualTo(3));
        // the echo did reach the log, redacted
        assertThat(jdbc.queryForList("select coalesce(error, '') || coalesce(response_summary, '') from upstream_call "
                + "where video_id = ?", String.class, videoId)).anySatisfy(s -> assertThat(s).contains("***"));
        assertThat(view(videoId).at("/error/message").asText()).contains("***");

        List<Map<String, Object>> calls = jdbc.queryForList(
                "select video_id, provider_id, operation, error, request_summary, response_summary from upstream_call");
        assertThat(calls).isNotEmpty(); // this test's calls, and those of every test of this class that ran before
        for (Map<String, Object> call : calls) {
            for (String column : List.of("error", "request_summary", "response_summary")) {
                Object value = call.get(column);
                if (value != null) {
                    assertThat(value.toString()).as("%s of %s", column, call).doesNotContain(KEY).doesNotContain(RELAY_KEY);
                }
            }
        }
        List<byte[]> payloads = jdbc.queryForList("select payload from domain_event_entry", byte[].class);
        assertThat(payloads).isNotEmpty().allSatisfy(p -> assertThat(new String(p, StandardCharsets.UTF_8))
                .doesNotContain(KEY).doesNotContain(RELAY_KEY));
        assertThat(API_BODIES).isNotEmpty()
                .allSatisfy(b -> assertThat(b).doesNotContain(KEY).doesNotContain(RELAY_KEY));
    }

    // ---------------------------------------------------------------- helpers

    private String submitSora(String prompt) {
        HttpApi.Response created = post("/api/video/tasks",
                "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}");
        return created.json().at("/data/videoId").asText();
    }

    private HttpApi.Response post(String path, String body) {
        HttpApi.Response created = api.postJson(path, token, body);
        API_BODIES.add(created.body());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created;
    }

    private JsonNode view(String videoId) {
        HttpApi.Response response = api.get("/api/video/tasks/" + videoId, token);
        API_BODIES.add(response.body());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().get("data");
    }

    private void awaitViewStatus(String videoId, String status) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(view(videoId).get("status").asText()).isEqualTo(status));
    }

    private void awaitEvent(String videoId, String type) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(eventTypes(videoId)).contains(EVENT + type));
    }

    private List<String> eventTypes(String videoId) {
        return jdbc.queryForList("select payload_type from domain_event_entry where aggregate_identifier = ? "
                + "order by sequence_number", String.class, videoId);
    }

    private JsonNode eventPayload(String videoId, String type) {
        List<byte[]> payloads = jdbc.queryForList("select payload from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type = ? order by sequence_number", byte[].class, videoId, EVENT + type);
        assertThat(payloads).as("%s events of %s", type, videoId).hasSize(1);
        try {
            return JSON.readTree(payloads.get(0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static MockResponse json(int status, String body) {
        return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json").setBody(body);
    }

    static MockResponse job(String id, String status, int progress) {
        return json(200, "{\"id\":\"" + id + "\",\"object\":\"video\",\"model\":\"sora-2\",\"status\":\"" + status
                + "\",\"progress\":" + progress + ",\"size\":\"720x1280\",\"seconds\":\"4\"}");
    }

    static MockResponse error(int status, String code, String message) {
        return json(status, "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}");
    }

    /** The text fields of a multipart/form-data body. */
    static Map<String, String> multipartFields(Seen request) {
        Matcher boundary = Pattern.compile("boundary=\"?([^\";]+)\"?").matcher(request.header("Content-Type"));
        assertThat(boundary.find()).as("boundary in %s", request.header("Content-Type")).isTrue();
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : request.body().split("--" + Pattern.quote(boundary.group(1)))) {
            int split = part.indexOf("\r\n\r\n");
            if (split < 0) {
                continue;
            }
            Matcher name = Pattern.compile("name=\"([^\"]+)\"").matcher(part.substring(0, split));
            if (name.find()) {
                String value = part.substring(split + 4);
                fields.put(name.group(1), value.endsWith("\r\n") ? value.substring(0, value.length() - 2) : value);
            }
        }
        return fields;
    }

    /** One request a mock provider received, with its arrival time. */
    record Seen(long atNanos, String method, String path, Headers headers, String body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    /**
     * A scripted provider: creates and remixes answer from queues (the last answer repeats), status requests answer per
     * external id (the last answer repeats); anything else, e.g. a stray poll of an earlier test's job, gets 404.
     */
    static final class Upstream extends Dispatcher {
        final String name;
        final MockWebServer server = new MockWebServer();
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        private final Deque<MockResponse> creates = new ArrayDeque<>();
        private final Deque<MockResponse> remixes = new ArrayDeque<>();
        private final Map<String, Deque<MockResponse>> retrieves = new ConcurrentHashMap<>();

        Upstream(String name) {
            this.name = name;
            server.setDispatcher(this);
            try {
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        synchronized void reset() {
            creates.clear();
            remixes.clear();
            retrieves.clear();
            seen.clear();
            try {
                while (server.takeRequest(1, TimeUnit.MILLISECONDS) != null) {
                    // drain what earlier tests left
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        synchronized void onCreate(MockResponse... answers) {
            creates.addAll(List.of(answers));
        }

        synchronized void onRemix(MockResponse... answers) {
            remixes.addAll(List.of(answers));
        }

        synchronized void onRetrieve(String externalId, MockResponse... answers) {
            retrieves.put(externalId, new ArrayDeque<>(List.of(answers)));
        }

        List<Seen> creates() {
            return seen.stream().filter(s -> s.method().equals("POST") && s.path().equals("/v1/videos")).toList();
        }

        List<Seen> remixes() {
            return seen.stream().filter(s -> s.method().equals("POST") && s.path().matches("/v1/videos/[^/]+/remix")).toList();
        }

        List<Seen> retrieves(String externalId) {
            return seen.stream().filter(s -> s.method().equals("GET") && s.path().equals("/v1/videos/" + externalId)).toList();
        }

        @Override
        public synchronized MockResponse dispatch(RecordedRequest request) {
            long at = System.nanoTime();
            seen.add(new Seen(at, request.getMethod(), request.getPath(), request.getHeaders(),
                    request.getBody().clone().readUtf8()));
            String path = request.getPath() == null ? "" : request.getPath();
            if (request.getMethod().equals("POST") && path.equals("/v1/videos")) {
                return next(creates);
            }
            if (request.getMethod().equals("POST") && path.matches("/v1/videos/[^/]+/remix")) {
                return next(remixes);
            }
            if (request.getMethod().equals("GET") && path.startsWith("/v1/videos/")) {
                Deque<MockResponse> answers = retrieves.get(path.substring("/v1/videos/".length()));
                if (answers != null) {
                    return next(answers);
                }
            }
            return json(404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such thing\"}}");
        }

        private static MockResponse next(Deque<MockResponse> answers) {
            if (answers.isEmpty()) {
                return json(404, "{\"error\":{\"code\":\"not_found\",\"message\":\"nothing scripted\"}}");
            }
            return answers.size() > 1 ? answers.poll() : answers.peek();
        }
    }
}
