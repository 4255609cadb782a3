package dev.reelay.infra.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The prompt assistant against a fake OpenAI-compatible chat server over real HTTP (MockWebServer): the answer and
 * its usage, a 429 with Retry-After, a 500, a timeout and a malformed body; every call in the call log exactly as it
 * went, and the tokens it used (and only those) in the caller's quota and the stats.
 */
@ReelayIntegrationTest
class PromptAssistantTest {

    static final String KEY = "llm-key-" + UUID.randomUUID();
    static final String MODEL = "gpt-test";
    static final ObjectMapper JSON = new ObjectMapper();
    static final MockWebServer CHAT = start();

    /** A started fake chat server (the other assistant tests use one too). */
    static MockWebServer start() {
        MockWebServer server = new MockWebServer();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return server;
    }

    @DynamicPropertySource
    static void llm(DynamicPropertyRegistry registry) {
        registry.add("reelay.llm.base-url", () -> "http://127.0.0.1:" + CHAT.getPort() + "/v1");
        registry.add("reelay.llm.model", () -> MODEL);
        registry.add("reelay.llm.api-key", () -> KEY);
        registry.add("reelay.llm.max-tokens", () -> "200");
        registry.add("reelay.llm.read-timeout", () -> "1s");
        registry.add("reelay.outbound.allowed-local-hosts", () -> "127.0.0.1");
        registry.add("reelay.upstream.attempts-per-provider", () -> "3");
        registry.add("reelay.upstream.first-backoff", () -> "100ms");
        registry.add("reelay.upstream.max-backoff", () -> "200ms");
        registry.add("reelay.guardrails.quota.tokens", () -> "3000");
    }

    @AfterAll
    static void stop() throws IOException {
        CHAT.shutdown();
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    HttpApi api;

    @BeforeEach
    void setUp() throws InterruptedException {
        api = new HttpApi(port);
        while (CHAT.takeRequest(1, TimeUnit.MILLISECONDS) != null) {
            // requests of earlier tests
        }
    }

    static MockResponse answer(String text, long promptTokens, long completionTokens) {
        return new MockResponse().setHeader("Content-Type", "application/json").setBody("{\"id\":\"chatcmpl-1\","
                + "\"object\":\"chat.completion\",\"model\":\"" + MODEL + "\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":" + quote(text) + "},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + completionTokens
                + ",\"total_tokens\":" + (promptTokens + completionTokens) + "}}");
    }

    static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    HttpApi.Response assist(String token, String body) {
        return api.postJson("/api/prompt/assist", token, body);
    }

    JsonNode ownCalls(String token) {
        HttpApi.Response calls = api.get("/api/prompt/calls", token);
        assertThat(calls.status()).isEqualTo(200);
        return calls.json().get("data").get("items");
    }

    JsonNode tokensOf(String token) {
        return api.get("/api/video/quota", token).json().get("data").get("tokens");
    }

    @Test
    void anEnhancedPromptComesBackWithTheUsageTheModelReportedAndIsLoggedAndChargedExactly() throws Exception {
        String token = api.token("pa-success");
        CHAT.enqueue(answer("A red fox trots through fresh snow at golden hour, low tracking shot, 35 mm.", 42, 17));

        HttpApi.Response response = assist(token, "{\"prompt\":\"a red fox in snow\",\"mode\":\"enhance\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode body = response.json();
        assertThat(body.get("success").asBoolean()).isTrue();
        assertThat(body.get("data").get("suggestions")).hasSize(1);
        assertThat(body.get("data").get("suggestions").get(0).asText())
                .isEqualTo("A red fox trots through fresh snow at golden hour, low tracking shot, 35 mm.");
        assertThat(body.get("data").get("usage").get("promptTokens").asLong()).isEqualTo(42);
        assertThat(body.get("data").get("usage").get("completionTokens").asLong()).isEqualTo(17);

        RecordedRequest sent = CHAT.takeRequest(1, TimeUnit.SECONDS);
        assertThat(sent.getPath()).isEqualTo("/v1/chat/completions");
        assertThat(sent.getHeader("Authorization")).isEqualTo("Bearer " + KEY);
        JsonNode request = JSON.readTree(sent.getBody().readUtf8());
        assertThat(request.get("model").asText()).isEqualTo(MODEL);
        assertThat(request.get("max_tokens").asInt()).isEqualTo(200);
        assertThat(request.get("messages").get(0).get("role").asText()).isEqualTo("system");
        assertThat(request.get("messages").get(0).get("content").asText()).contains("cinematic detail");
        assertThat(request.get("messages").get(1).get("role").asText()).isEqualTo("user");
        assertThat(request.get("messages").get(1).get("content").asText()).isEqualTo("a red fox in snow");

        JsonNode calls = ownCalls(token);
        assertThat(calls).hasSize(1);
        JsonNode call = calls.get(0);
        assertThat(call.get("id").asText()).isEqualTo(body.get("data").get("callId").asText());
        assertThat(call.get("owner").asText()).isEqualTo("pa-success");
        assertThat(call.get("mode").asText()).isEqualTo("enhance");
        assertThat(call.get("model").asText()).isEqualTo(MODEL);
        assertThat(call.get("messages")).isEqualTo(request.get("messages"));
        assertThat(call.get("response").asText()).startsWith("A red fox trots");
        assertThat(call.get("status").asText()).isEqualTo("success");
        assertThat(call.get("httpStatus").asInt()).isEqualTo(200);
        assertThat(call.has("error")).isFalse();
        assertThat(call.get("promptTokens").asLong()).isEqualTo(42);
        assertThat(call.get("completionTokens").asLong()).isEqualTo(17);
        assertThat(call.get("totalTokens").asLong()).isEqualTo(59);
        assertThat(call.get("attempts").asInt()).isEqualTo(1);
        assertThat(call.get("durationMs").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(call.get("traceId").asText()).isEqualTo(response.header("X-Trace-Id"));
        assertThat(call.get("digest").asText()).matches("[0-9a-f]{64}");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode tokens = tokensOf(token);
            assertThat(tokens.get("limit").asLong()).isEqualTo(3000);
            assertThat(tokens.get("held").asLong()).isZero();
            assertThat(tokens.get("captured").asLong()).isEqualTo(59);
            assertThat(tokens.get("available").asLong()).isEqualTo(3000 - 59);
        });
        JsonNode spend = api.get("/api/video/stats", token).json().get("data").get("tokenSpend");
        assertThat(spend).hasSize(1);
        assertThat(spend.get(0).get("owner").asText()).isEqualTo("pa-success");
        assertThat(spend.get(0).get("model").asText()).isEqualTo(MODEL);
        assertThat(spend.get(0).get("calls").asLong()).isEqualTo(1);
        assertThat(spend.get(0).get("tokens").asLong()).isEqualTo(59);
        // the settlement event carries the row's digest: the audit chain over events vouches for the row
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where payload_type = ? "
                        + "and convert_from(payload, 'UTF8') like ?", Long.class,
                "dev.reelay.kernel.event.TokensCaptured", "%" + call.get("digest").asText() + "%")).isEqualTo(1);
    }

    @Test
    void aTranslationAsksForTheTargetLanguage() throws Exception {
        String token = api.token("pa-translate");
        CHAT.enqueue(answer("un renard roux dans la neige", 30, 8));

        HttpApi.Response response = assist(token, "{\"prompt\":\"a red fox in snow\",\"mode\":\"translate\",\"language\":\"French\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode request = JSON.readTree(CHAT.takeRequest(1, TimeUnit.SECONDS).getBody().readUtf8());
        assertThat(request.get("messages").get(0).get("content").asText()).contains("into French");
        assertThat(ownCalls(token).get(0).get("language").asText()).isEqualTo("French");
    }

    @Test
    void a429WithRetryAfterIsWaitedOutAndTheNextAttemptAnswers() {
        String token = api.token("pa-429");
        CHAT.enqueue(new MockResponse().setResponseCode(429).setHeader("Retry-After", "1")
                .setHeader("Content-Type", "application/json")
                .setBody("{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"rate_limit_error\"}}"));
        CHAT.enqueue(answer("shorter", 20, 2));

        long started = System.nanoTime();
        HttpApi.Response response = assist(token, "{\"prompt\":\"a red fox in snow, in snow, in the snow\",\"mode\":\"shorten\"}");
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(tookMs).as("Retry-After: 1 was waited out").isGreaterThanOrEqualTo(1000);
        assertThat(CHAT.getRequestCount()).isGreaterThanOrEqualTo(2);
        JsonNode call = ownCalls(token).get(0);
        assertThat(call.get("attempts").asInt()).isEqualTo(2);
        assertThat(call.get("status").asText()).isEqualTo("success");
        assertThat(call.get("totalTokens").asLong()).isEqualTo(22);
    }

    @Test
    void aServerErrorOnEveryAttemptIsA503AndTheHoldIsReleased() {
        String token = api.token("pa-500");
        for (int i = 0; i < 3; i++) {
            CHAT.enqueue(new MockResponse().setResponseCode(500).setBody("{\"error\":{\"message\":\"boom\"}}"));
        }

        HttpApi.Response response = assist(token, "{\"prompt\":\"a red fox in snow\",\"mode\":\"enhance\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(503);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().get("code").asText()).isEqualTo("LLM_UNAVAILABLE");
        JsonNode call = ownCalls(token).get(0);
        assertThat(call.get("status").asText()).isEqualTo("error");
        assertThat(call.get("httpStatus").asInt()).isEqualTo(500);
        assertThat(call.get("attempts").asInt()).isEqualTo(3);
        assertThat(call.get("error").asText()).isEqualTo("boom");
        assertThat(call.has("response")).isFalse();
        assertThat(call.has("totalTokens")).isFalse();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode tokens = tokensOf(token);
            assertThat(tokens.get("held").asLong()).isZero();
            assertThat(tokens.get("captured").asLong()).isZero();
        });
    }

    @Test
    void aModelThatDoesNotAnswerInTimeIsA503AndIsNotAskedAgain() {
        String token = api.token("pa-timeout");
        CHAT.enqueue(answer("too late", 1, 1).setHeadersDelay(3, TimeUnit.SECONDS));

        HttpApi.Response response = assist(token, "{\"prompt\":\"a red fox in snow\",\"mode\":\"enhance\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(503);
        assertThat(response.json().get("code").asText()).isEqualTo("LLM_UNAVAILABLE");
        JsonNode call = ownCalls(token).get(0);
        assertThat(call.get("attempts").asInt()).isEqualTo(1);
        assertThat(call.has("httpStatus")).isFalse();
        assertThat(call.get("error").asText()).isEqualTo("no answer in time from llm");
    }

    @Test
    void aMalformedAnswerIsA503AndCostsNothing() {
        String token = api.token("pa-malformed");
        CHAT.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody("{\"choices\":\"nope\""));

        HttpApi.Response response = assist(token, "{\"prompt\":\"a red fox in snow\",\"mode\":\"enhance\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(503);
        JsonNode call = ownCalls(token).get(0);
        assertThat(call.get("attempts").asInt()).isEqualTo(1);
        assertThat(call.get("httpStatus").asInt()).isEqualTo(200);
        assertThat(call.get("error").asText()).isEqualTo("malformed response from llm");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(tokensOf(token).get("captured").asLong()).isZero());
    }

    @Test
    void aCallBeyondTheDailyTokenQuotaIsRefusedBeforeItGoesOut() throws Exception {
        String token = api.token("pa-quota");
        CHAT.enqueue(answer("long", 2000, 900));
        assertThat(assist(token, "{\"prompt\":\"a red fox in snow\",\"mode\":\"enhance\"}").status()).isEqualTo(200);
        CHAT.takeRequest(1, TimeUnit.SECONDS);

        HttpApi.Response refused = assist(token, "{\"prompt\":\"a red fox in snow\",\"mode\":\"enhance\"}");

        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.json().get("code").asText()).isEqualTo("QUOTA_EXCEEDED");
        assertThat(refused.json().get("used").asLong()).isEqualTo(2900);
        assertThat(refused.header("Retry-After")).isNotNull();
        assertThat(CHAT.takeRequest(300, TimeUnit.MILLISECONDS)).as("nothing went upstream").isNull();
        assertThat(ownCalls(token)).hasSize(1);
    }

    @Test
    void aPromptFollowsTheTaskPromptRulesAndTheModeIsChecked() {
        String token = api.token("pa-invalid");
        int before = CHAT.getRequestCount();
        HttpApi.Response blank = assist(token, "{\"prompt\":\"\\u200b \",\"mode\":\"enhance\"}");
        assertThat(blank.status()).isEqualTo(422);
        assertThat(blank.json().get("errors").get(0).get("field").asText()).isEqualTo("prompt");
        assertThat(blank.json().get("errors").get(0).get("code").asText()).isEqualTo("BLANK");
        HttpApi.Response tooLong = assist(token, "{\"prompt\":\"" + "a".repeat(10_001) + "\",\"mode\":\"enhance\"}");
        assertThat(tooLong.json().get("errors").get(0).get("code").asText()).isEqualTo("MAX_LENGTH");
        HttpApi.Response mode = assist(token, "{\"prompt\":\"a fox\",\"mode\":\"summarise\"}");
        assertThat(mode.status()).isEqualTo(422);
        assertThat(mode.json().get("errors").get(0).get("field").asText()).isEqualTo("mode");
        HttpApi.Response language = assist(token, "{\"prompt\":\"a fox\",\"mode\":\"translate\"}");
        assertThat(language.status()).isEqualTo(422);
        assertThat(language.json().get("errors").get(0).get("field").asText()).isEqualTo("language");
        assertThat(CHAT.getRequestCount()).as("nothing invalid went upstream").isEqualTo(before);
        assertThat(ownCalls(token)).isEmpty();
    }

    @Test
    void adminsPageThroughEveryonesCallsWithFilters() {
        String alice = api.token("pa-admin-a");
        String bob = api.token("pa-admin-b");
        for (String token : List.of(alice, alice, bob)) {
            CHAT.enqueue(answer("ok", 10, 1));
            assertThat(assist(token, "{\"prompt\":\"a fox\",\"mode\":\"shorten\"}").status()).isEqualTo(200);
        }
        String admin = api.token("root", "admin");

        JsonNode first = api.get("/api/admin/prompt/calls?owner=pa-admin-a&limit=1", admin).json().get("data");
        assertThat(first.get("items")).hasSize(1);
        String cursor = first.get("nextCursor").asText();
        JsonNode second = api.get("/api/admin/prompt/calls?owner=pa-admin-a&limit=1&cursor=" + cursor, admin)
                .json().get("data");
        assertThat(second.get("items")).hasSize(1);
        assertThat(second.get("items").get(0).get("id")).isNotEqualTo(first.get("items").get(0).get("id"));
        assertThat(second.get("nextCursor").isNull()).as("the last page says so with null").isTrue();
        assertThat(api.get("/api/admin/prompt/calls?owner=pa-admin-b&mode=shorten&status=success", admin)
                .json().get("data").get("items")).hasSize(1);
        assertThat(api.get("/api/admin/prompt/calls?owner=pa-admin-b&status=error", admin)
                .json().get("data").get("items")).isEmpty();
        assertThat(api.get("/api/admin/prompt/calls?cursor=nonsense", admin).status()).isEqualTo(422);
        assertThat(api.get("/api/admin/prompt/calls", alice).status()).isEqualTo(403);
        assertThat(ownCalls(bob)).hasSize(1);
    }
}
