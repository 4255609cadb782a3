package dev.reelay.infra.security;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The provider API key, the webhook secret, the prompt assistant's configured key, the keys an admin sets at run
 * time and the master key that wraps them are canaries: after a task runs to COMPLETED through the sandbox, a
 * remix, a moderated failure, bad requests, forged and genuine webhooks and reads of every diagnostic surface, neither
 * appears in any log line, any HTTP answer, any event payload or metadata, the call log or any other table.
 *
 * <p>Logging runs at the default INFO with the application's own loggers at DEBUG, so a leak at debug level counts.
 */
@ExtendWith(OutputCaptureExtension.class)
@ReelayIntegrationTest
@TestPropertySource(properties = {
        "reelay.sandbox.job-duration=2s",
        "logging.level.root=INFO",
        "logging.level.dev.reelay=DEBUG",
        "reelay.test.context=secrets-never-leak"
})
class SecretsNeverLeakTest {

    static final String CANARY = "canary" + java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(8).putLong(new java.security.SecureRandom().nextLong()).array());
    static final String API_KEY = "key-" + CANARY;
    /** The prompt assistant's configured key, and the keys an admin sets at run time. */
    static final String LLM_KEY = "llm-" + CANARY;
    static final String MANAGED_LLM_KEY = "llm-managed-" + CANARY;
    /** 32 bytes in Base64 whose text starts with the canary (hex digits are Base64 letters; 'A' pads with zero bits). */
    static final String MASTER_KEY = CANARY + "A".repeat(21) + "=";
    /** A chat server that echoes the key it was sent, in an answer and in an error. */
    static final okhttp3.mockwebserver.MockWebServer ECHO = echo();

    static okhttp3.mockwebserver.MockWebServer echo() {
        okhttp3.mockwebserver.MockWebServer server = new okhttp3.mockwebserver.MockWebServer();
        server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
            @Override
            public okhttp3.mockwebserver.MockResponse dispatch(okhttp3.mockwebserver.RecordedRequest request) {
                String key = String.valueOf(request.getHeader("Authorization"));
                boolean error = request.getBody().readUtf8().contains("echo-error");
                return new okhttp3.mockwebserver.MockResponse().setResponseCode(error ? 400 : 200)
                        .setHeader("Content-Type", "application/json").setBody(error
                                ? "{\"error\":{\"message\":\"Invalid request with " + key + "\"}}"
                                : "{\"choices\":[{\"message\":{\"content\":\"ok " + key + "\"}}],"
                                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}");
            }
        });
        try {
            server.start();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return server;
    }

    @org.junit.jupiter.api.AfterAll
    static void stopEcho() throws java.io.IOException {
        ECHO.shutdown();
    }

    /** Standard Webhooks secret: whsec_ + base64; the base64 text itself carries the canary. */
    static final String WEBHOOK_SECRET = "whsec_" + CANARY + "hookAA"; // valid base64: 28 characters

    /** Generated per run, so no key-shaped literal lives in the source. */
    @org.springframework.test.context.DynamicPropertySource
    static void secrets(org.springframework.test.context.DynamicPropertyRegistry registry) {
        // Spring binds a list from one property source, so the whole provider entry is here
        registry.add("reelay.providers[0].id", () -> "sandbox");
        registry.add("reelay.providers[0].format", () -> "openai-videos");
        registry.add("reelay.providers[0].base-url", () -> "local:/sandbox/v1");
        registry.add("reelay.providers[0].priority", () -> "100");
        registry.add("reelay.providers[0].models[0]", () -> "sora-2");
        registry.add("reelay.providers[0].models[1]", () -> "sora-2-pro");
        registry.add("reelay.providers[0].models[2]", () -> "sora_video2");
        registry.add("reelay.providers[0].idempotency-keys", () -> "true");
        registry.add("reelay.providers[0].webhooks", () -> "true");
        registry.add("reelay.providers[0].webhook-safety-poll", () -> "1s");
        registry.add("reelay.providers[0].poll-initial", () -> "500ms");
        registry.add("reelay.providers[0].poll-min", () -> "500ms");
        registry.add("reelay.providers[0].poll-max", () -> "1s");
        registry.add("reelay.providers[0].api-key", () -> API_KEY);
        registry.add("reelay.providers[0].webhook-secret", () -> WEBHOOK_SECRET);
        registry.add("reelay.sandbox.api-key", () -> API_KEY);
        registry.add("reelay.secrets.master-key", () -> MASTER_KEY);
        registry.add("reelay.llm.base-url", () -> "http://127.0.0.1:" + ECHO.getPort() + "/v1");
        registry.add("reelay.llm.model", () -> "gpt-echo");
        registry.add("reelay.llm.api-key", () -> LLM_KEY);
        registry.add("reelay.outbound.allowed-local-hosts", () -> "127.0.0.1");
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    private HttpApi api;
    private final List<String> received = new ArrayList<>();

    @Test
    void theProviderKeyAndTheWebhookSecretAppearNowhere(CapturedOutput output) {
        api = new HttpApi(port);
        String alice = api.token("alice-secrets");
        String admin = api.token("root-secrets", "admin");

        // the prompt assistant with its configured key, then keys set at run time (the sandbox's to its same value,
        // so the sandbox keeps accepting it): upstream echoes of either key are redacted
        HttpApi.Response echoed = call("POST", "/api/prompt/assist", alice, "application/json",
                "{\"prompt\":\"a fox\",\"mode\":\"enhance\"}", Map.of());
        assertThat(echoed.status()).as(echoed.body()).isEqualTo(200);
        assertThat(echoed.body()).contains("ok Bearer ***");
        assertThat(call("PUT", "/api/admin/llm/api-key", admin, "application/json",
                "{\"apiKey\":\"" + MANAGED_LLM_KEY + "\"}", Map.of()).status()).isEqualTo(200);
        assertThat(call("PUT", "/api/admin/providers/sandbox/api-key", admin, "application/json",
                "{\"apiKey\":\"" + API_KEY + "\"}", Map.of()).status()).isEqualTo(200);
        assertThat(call("POST", "/api/prompt/assist", alice, "application/json",
                "{\"prompt\":\"a fox\",\"mode\":\"shorten\"}", Map.of()).status()).isEqualTo(200);
        assertThat(call("POST", "/api/prompt/assist", alice, "application/json",
                "{\"prompt\":\"echo-error\",\"mode\":\"shorten\"}", Map.of()).status()).isEqualTo(503);
        call("PUT", "/api/admin/llm/api-key", admin, "application/json", "{\"apiKey\":\"short\"}", Map.of());
        call("PUT", "/api/admin/llm/api-key", alice, "application/json",
                "{\"apiKey\":\"" + MANAGED_LLM_KEY + "\"}", Map.of());
        assertThat(call("GET", "/api/admin/providers", admin, null, null, Map.of()).status()).isEqualTo(200);
        assertThat(call("GET", "/api/admin/llm", admin, null, null, Map.of()).json().at("/data/keySource").asText())
                .isEqualTo("managed");
        assertThat(call("GET", "/api/prompt/calls", alice, null, null, Map.of()).json().at("/data/items").size())
                .isEqualTo(3);
        call("GET", "/api/admin/prompt/calls", admin, null, null, Map.of());
        assertThat(jdbc.queryForObject("select count(*) from managed_api_key", Long.class)).isEqualTo(2);

        // a task to COMPLETED through the sandbox, a remix of it, and a task the provider refuses
        String videoId = created(call("POST", "/api/video/tasks", alice, "application/json",
                "{\"prompt\":\"a lighthouse in a storm\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}", Map.of()));
        awaitStatus(videoId, alice, "COMPLETED");
        String remixId = created(call("POST", "/api/video/tasks/" + videoId + "/remix", alice, "application/json",
                "{\"prompt\":\"the same lighthouse at dawn\"}", Map.of("Idempotency-Key", "secrets-remix-1")));
        String refused = created(call("POST", "/api/video/tasks", alice, "application/json",
                "{\"prompt\":\"something forbidden\",\"model\":\"sora-2\"}", Map.of()));
        String openAi = call("POST", "/v1/videos", alice, "application/json",
                "{\"prompt\":\"an owl\",\"model\":\"sora-2\",\"seconds\":\"4\"}", Map.of()).json().path("id").asText();
        awaitStatus(remixId, alice, "COMPLETED");
        awaitStatus(refused, alice, "FAILED");
        awaitStatus(openAi, alice, "COMPLETED");

        // errors of every kind
        call("POST", "/api/video/tasks", alice, "application/json", "{\"prompt\":\"x\",\"model\":\"no-such-model\"}", Map.of());
        call("POST", "/api/video/tasks", alice, "application/json", "{\"prompt\":", Map.of());
        call("POST", "/api/video/tasks", alice, "text/plain", "hello", Map.of());
        call("POST", "/v1/videos", alice, "application/json", "{\"prompt\":\"\",\"model\":\"sora-2\"}", Map.of());
        call("POST", "/v1/videos/" + videoId + "/remix", alice, "application/json", "[]", Map.of());
        call("GET", "/api/video/tasks", "not-a-jwt", null, null, Map.of());
        call("GET", "/api/admin/upstream-calls", alice, null, null, Map.of());
        call("GET", "/api/no-such-route", alice, null, null, Map.of());
        call("GET", "/api/video/tasks/" + videoId + "/content?variant=poster", alice, null, null, Map.of());
        call("POST", "/api/video/tasks/" + videoId + "/cancel", alice, "application/json", "{}", Map.of());
        call("DELETE", "/v1/videos/not-a-video", alice, null, null, Map.of());
        // the sandbox refuses a wrong key without echoing either key
        call("POST", "/sandbox/v1/videos", null, "application/json", "{\"prompt\":\"x\",\"model\":\"sora-2\"}",
                Map.of("Authorization", "Bearer not-the-key"));
        call("GET", "/sandbox/v1/videos/video_nothing", null, null, null, Map.of("Authorization", "Bearer not-the-key"));

        // webhooks: forged, stale, unsigned, unknown provider, then a genuine one for the completed job
        String external = call("GET", "/api/video/tasks/" + videoId, alice, null, null, Map.of())
                .json().at("/data/externalTaskId").asText();
        byte[] body = ("{\"id\":\"evt_" + UUID.randomUUID() + "\",\"object\":\"event\",\"type\":\"video.completed\","
                + "\"data\":{\"id\":\"" + external + "\"}}").getBytes(StandardCharsets.UTF_8);
        String now = String.valueOf(Instant.now().getEpochSecond());
        String old = String.valueOf(Instant.now().minusSeconds(600).getEpochSecond());
        String hookId = "msg_" + UUID.randomUUID();
        assertThat(webhook("sandbox", body, Map.of("webhook-id", hookId, "webhook-timestamp", now,
                "webhook-signature", "v1," + Base64.getEncoder().encodeToString(new byte[32]))).status()).isEqualTo(401);
        assertThat(webhook("sandbox", body, Map.of("webhook-id", hookId, "webhook-timestamp", old,
                "webhook-signature", sign(hookId, old, body))).status()).isEqualTo(401);
        assertThat(webhook("sandbox", body, Map.of("webhook-id", hookId, "webhook-timestamp", now)).status()).isEqualTo(401);
        assertThat(webhook("nobody", body, Map.of("webhook-id", hookId, "webhook-timestamp", now,
                "webhook-signature", sign(hookId, now, body))).status()).isEqualTo(404);
        assertThat(webhook("sandbox", "not json".getBytes(StandardCharsets.UTF_8), Map.of("webhook-id", "msg_bad_json",
                "webhook-timestamp", now, "webhook-signature", sign("msg_bad_json", now,
                        "not json".getBytes(StandardCharsets.UTF_8)))).status()).isEqualTo(400);
        HttpApi.Response genuine = webhook("sandbox", body, Map.of("webhook-id", hookId, "webhook-timestamp", now,
                "webhook-signature", sign(hookId, now, body)));
        assertThat(genuine.status()).as(genuine.body()).isEqualTo(200);

        // every read surface
        for (String id : List.of(videoId, remixId, refused, openAi)) {
            call("GET", "/api/video/tasks/" + id, alice, null, null, Map.of());
            call("GET", "/api/video/tasks/" + id + "/history", alice, null, null, Map.of());
            call("GET", "/api/video/tasks/" + id + "/upstream-calls", alice, null, null, Map.of());
            call("GET", "/api/video/tasks/" + id + "/history", admin, null, null, Map.of());
            call("GET", "/v1/videos/" + id, alice, null, null, Map.of());
        }
        assertThat(call("GET", "/api/video/tasks/" + videoId + "/content", alice, null, null, Map.of()).status()).isEqualTo(200);
        call("GET", "/api/video/tasks?limit=100", alice, null, null, Map.of());
        call("GET", "/v1/videos", alice, null, null, Map.of());
        HttpApi.Response calls = call("GET", "/api/admin/upstream-calls?limit=500", admin, null, null, Map.of());
        assertThat(calls.status()).isEqualTo(200);
        assertThat(calls.json().get("data").size()).as("the call log has rows to inspect").isPositive();
        assertThat(call("GET", "/actuator/prometheus", admin, null, null, Map.of()).status()).isEqualTo(200);
        assertThat(call("GET", "/v3/api-docs", null, null, null, Map.of()).status()).isEqualTo(200);
        for (String path : List.of("/actuator/health", "/actuator/info", "/actuator/metrics", "/actuator/env",
                "/actuator/configprops", "/actuator/beans", "/actuator/loggers", "/actuator/heapdump")) {
            call("GET", path, admin, null, null, Map.of());
        }

        // -------- the canaries appear nowhere
        String logs = output.getAll();
        assertThat(logs).as("the log capture covers start-up and the run")
                .contains("Upstream provider Provider[id=sandbox").contains("rejected webhook for sandbox");
        assertThat(leakingLines(logs)).as("log lines with a secret").isEmpty();

        List<String> leakingResponses = received.stream().filter(r -> r.contains(CANARY))
                .map(r -> r.length() > 600 ? r.substring(0, 600) : r).toList();
        assertThat(leakingResponses).as("HTTP answers with a secret (of %s received)", received.size()).isEmpty();

        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry", Long.class)).isGreaterThan(10L);
        assertThat(jdbc.queryForList("select aggregate_identifier || ' #' || sequence_number || ' ' || payload_type "
                + "from domain_event_entry where position(convert_to(?, 'UTF8') in payload) > 0 "
                + "or position(convert_to(?, 'UTF8') in meta_data) > 0", String.class, CANARY, CANARY))
                .as("events whose payload or metadata holds a secret").isEmpty();

        assertThat(jdbc.queryForObject("select count(*) from upstream_call", Long.class)).isGreaterThan(3L);
        assertThat(jdbc.queryForList("select id || ' ' || operation from upstream_call c where strpos(c::text, ?) > 0",
                String.class, CANARY)).as("call-log rows holding a secret").isEmpty();

        // and no other table either (bytea columns are compared in hex)
        String hex = HexFormat.of().formatHex(CANARY.getBytes(StandardCharsets.UTF_8));
        List<String> tables = jdbc.queryForList("select table_name from information_schema.tables "
                + "where table_schema = 'public' and table_type = 'BASE TABLE'", String.class);
        assertThat(tables).contains("domain_event_entry", "upstream_call", "idempotency_key", "prompt_call",
                "managed_api_key");
        List<String> leakingTables = new ArrayList<>();
        for (String table : tables) {
            Long rows = jdbc.queryForObject("select count(*) from \"" + table + "\" t where strpos(t::text, ?) > 0 "
                    + "or strpos(lower(t::text), ?) > 0", Long.class, CANARY, hex);
            if (rows != null && rows > 0) {
                leakingTables.add(table + " (" + rows + " rows)");
            }
        }
        assertThat(leakingTables).as("tables holding a secret").isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private HttpApi.Response call(String method, String path, String token, String contentType, String body,
                                  Map<String, String> headers) {
        HttpApi.Response response = api.send(method, path, token, contentType,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
        received.add(method + " " + path + " -> " + response.status() + " " + response.raw().headers().map() + "\n"
                + new String(response.raw().body(), StandardCharsets.ISO_8859_1));
        return response;
    }

    private HttpApi.Response webhook(String provider, byte[] body, Map<String, String> headers) {
        HttpApi.Response response = api.send("POST", "/webhooks/upstream/" + provider, null, "application/json", body, headers);
        received.add("POST /webhooks/upstream/" + provider + " -> " + response.status() + " "
                + response.raw().headers().map() + "\n" + response.body());
        return response;
    }

    private static String created(HttpApi.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().at("/data/videoId").asText();
    }

    private void awaitStatus(String id, String token, String status) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            HttpApi.Response view = api.get("/api/video/tasks/" + id, token);
            assertThat(view.status()).as(view.body()).isEqualTo(200);
            JsonNode data = view.json().get("data");
            assertThat(data.get("status").asText()).as(view.body()).isEqualTo(status);
        });
    }

    /** Standard Webhooks signing with the canary secret, written independently of the product's verifier. */
    private static String sign(String id, String timestamp, byte[] body) {
        try {
            byte[] key = Base64.getDecoder().decode(WEBHOOK_SECRET.substring("whsec_".length()));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> leakingLines(String logs) {
        return logs.lines().filter(l -> l.contains(CANARY)).map(l -> l.length() > 400 ? l.substring(0, 400) : l)
                .distinct().toList();
    }
}
