package dev.reelay.infra.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.infra.support.SandboxJobLength;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Per-user guardrails over real HTTP, the sandbox provider and PostgreSQL: the concurrency cap queues tasks in Reelay
 * and releases them first in first out; the quota holds on submit, releases on cancel, captures on completion, and
 * refuses with a 429 that says when it resets. Each test has its own user, so shared suites do not interfere.
 */
@ReelayIntegrationTest
class GuardrailsTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    HttpApi api() {
        return new HttpApi(port);
    }

    private void setLimits(String owner, String json) {
        HttpApi.Response response = api().send("PUT", "/api/admin/users/" + owner + "/limits", api().token("root", "admin"),
                "application/json", json.getBytes(StandardCharsets.UTF_8), Map.of());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    private HttpApi.Response submit(String token, String prompt, String model, String size, int seconds) {
        return api().postJson("/api/video/tasks", token, "{\"prompt\":\"" + prompt + "\",\"model\":\"" + model
                + "\",\"size\":\"" + size + "\",\"seconds\":" + seconds + "}");
    }

    private String created(HttpApi.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().at("/data/videoId").asText();
    }

    /** The task view; an AssertionError (which the awaits retry) while the projection has not caught up. */
    private JsonNode task(String token, String videoId) {
        HttpApi.Response response = api().get("/api/video/tasks/" + videoId, token);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().get("data");
    }

    private JsonNode quota(String token) {
        return api().get("/api/video/quota", token).json().get("data");
    }

    private long position(String type, String videoId) {
        return jdbc.queryForObject("select min(global_index) from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type = ?", Long.class, videoId, "dev.reelay.kernel.event." + type);
    }

    @Test
    void tasksAboveTheCapWaitInReelayAndGoUpstreamFirstInFirstOut() {
        String owner = "cap-" + UUID.randomUUID();
        setLimits(owner, "{\"maxConcurrent\":1}");
        String token = api().token(owner);

        String first = created(submit(token, "first of three", "sora-2", "720x1280", 4));
        String second = created(submit(token, "second of three", "sora-2", "720x1280", 4));
        String third = created(submit(token, "third of three", "sora-2", "720x1280", 4));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode s = task(token, second);
            assertThat(s.get("status").asText()).isEqualTo("QUEUED");
            assertThat(s.at("/queue/waitingIn").asText()).isEqualTo("reelay");
            assertThat(s.at("/queue/position").asInt()).isEqualTo(1);
            assertThat(task(token, third).at("/queue/position").asInt()).isEqualTo(2);
            assertThat(quota(token).at("/concurrency/active").asInt()).isEqualTo(1);
            assertThat(quota(token).at("/concurrency/waiting").asInt()).isEqualTo(2);
        });
        // nothing of a waiting task reached the provider
        assertThat(jdbc.queryForObject("select count(*) from sandbox_job where prompt = 'third of three'", Integer.class))
                .isZero();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            for (String id : List.of(first, second, third)) {
                assertThat(task(token, id).get("status").asText()).isEqualTo("COMPLETED");
            }
        });
        // one at a time, in order: each went upstream only after the one before it had completed
        assertThat(position("UpstreamTaskAccepted", second)).isGreaterThan(position("TaskCompleted", first));
        assertThat(position("UpstreamTaskAccepted", third)).isGreaterThan(position("TaskCompleted", second));
        List<String> admitted = jdbc.queryForList("select convert_from(payload, 'UTF8')::json->'videoId'->>'value' "
                + "from domain_event_entry where aggregate_identifier = ? and payload_type like '%TaskAdmitted' "
                + "order by sequence_number", String.class, "account:" + owner);
        assertThat(admitted).containsExactly(first, second, third);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(quota(token).at("/concurrency/active").asInt()).isZero();
            assertThat(quota(token).at("/concurrency/waiting").asInt()).isZero();
        });
    }

    @Test
    void theQuotaHoldsOnSubmitReleasesOnCancelCapturesOnCompletionAndRefusesBeyondWith429() {
        String owner = "quota-" + UUID.randomUUID();
        setLimits(owner, "{\"quotaVideoSeconds\":10}");
        String token = api().token(owner);

        String heldPrompt = "held then cancelled " + owner;
        String cancelled = created(submit(token, heldPrompt, "sora-2", "720x1280", 8));
        SandboxJobLength.keepRunning(jdbc, heldPrompt, Duration.ofSeconds(10)); // still running when cancelled below
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(quota(token).at("/quota/held").decimalValue()).isEqualByComparingTo("8");
            assertThat(quota(token).at("/quota/available").decimalValue()).isEqualByComparingTo("2");
        });

        HttpApi.Response refused = submit(token, "one too many", "sora-2", "720x1280", 4);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.json().get("code").asText()).isEqualTo("QUOTA_EXCEEDED");
        Instant resetsAt = Instant.parse(refused.json().get("resetsAt").asText());
        assertThat(resetsAt).isAfter(Instant.now()).isBeforeOrEqualTo(Instant.now().plus(Duration.ofDays(1)));
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 86_400L);
        assertThat(refused.json().get("requested").decimalValue()).isEqualByComparingTo("4");
        // sora-2-pro costs 3 per second: 4 s is 12 video-seconds, over the 10 even on an empty balance
        assertThat(submit(token, "too dear", "sora-2-pro", "720x1280", 4).status()).isEqualTo(429);
        // a refusal leaves nothing behind: one task, one hold
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where payload_type like '%TaskSubmitted' "
                + "and convert_from(payload, 'UTF8')::json->>'owner' = ?", Integer.class, owner)).isEqualTo(1);
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type like '%QuotaHeld'", Integer.class, "account:" + owner)).isEqualTo(1);

        assertThat(api().postJson("/api/video/tasks/" + cancelled + "/cancel", token, "{}").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(quota(token).at("/quota/held").decimalValue()).isEqualByComparingTo("0"));

        String completed = created(submit(token, "captured on completion", "sora-2", "720x1280", 8));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            assertThat(task(token, completed).get("status").asText()).isEqualTo("COMPLETED");
            JsonNode q = quota(token);
            assertThat(q.at("/quota/captured").decimalValue()).isEqualByComparingTo("8");
            assertThat(q.at("/quota/held").decimalValue()).isEqualByComparingTo("0");
            assertThat(q.at("/quota/limit").decimalValue()).isEqualByComparingTo("10");
        });
        List<String> ledger = jdbc.queryForList("select payload_type from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type like '%Quota%' order by sequence_number", String.class, "account:" + owner);
        assertThat(ledger).containsExactly("dev.reelay.kernel.event.QuotaHeld", "dev.reelay.kernel.event.QuotaReleased",
                "dev.reelay.kernel.event.QuotaHeld", "dev.reelay.kernel.event.QuotaCaptured");

        JsonNode spend = api().get("/api/video/stats", token).json().at("/data/spend");
        assertThat(spend).hasSize(1);
        assertThat(spend.get(0).get("owner").asText()).isEqualTo(owner);
        assertThat(spend.get(0).get("model").asText()).isEqualTo("sora-2");
        assertThat(spend.get(0).get("tasks").asInt()).isEqualTo(1);
        assertThat(spend.get(0).get("videoSeconds").decimalValue()).isEqualByComparingTo("8");
    }

    @Test
    void theOpenAiRouteRefusesBeyondTheQuotaInOpenAisEnvelope() {
        String owner = "quota-v1-" + UUID.randomUUID();
        setLimits(owner, "{\"quotaVideoSeconds\":0}");
        HttpApi.Response refused = api().postJson("/v1/videos", api().token(owner),
                "{\"prompt\":\"nothing left\",\"model\":\"sora-2\"}");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.json().at("/error/type").asText()).isEqualTo("rate_limit_error");
        assertThat(refused.json().at("/error/code").asText()).isEqualTo("quota_exceeded");
        assertThat(refused.header("Retry-After")).isNotBlank();
    }

    @Test
    void onlyAdminsSetLimitsAndBadLimitsNameTheField() {
        String owner = "limits-" + UUID.randomUUID();
        HttpApi.Response asUser = api().send("PUT", "/api/admin/users/" + owner + "/limits", api().token(owner),
                "application/json", "{\"maxConcurrent\":100}".getBytes(StandardCharsets.UTF_8), Map.of());
        assertThat(asUser.status()).isEqualTo(403);

        HttpApi.Response bad = api().send("PUT", "/api/admin/users/" + owner + "/limits", api().token("root", "admin"),
                "application/json", "{\"maxConcurrent\":-1,\"quotaVideoSeconds\":\"lots\"}".getBytes(StandardCharsets.UTF_8),
                Map.of());
        assertThat(bad.status()).isEqualTo(422);
        assertThat(bad.json().get("errors").findValuesAsText("field")).containsExactlyInAnyOrder("maxConcurrent",
                "quotaVideoSeconds");

        for (String outOfRange : List.of("1e400", "-1e400", "123456789012345678901234567890", "0.0001", "99999999999999999999.5")) {
            HttpApi.Response refused = api().send("PUT", "/api/admin/users/" + owner + "/limits", api().token("root", "admin"),
                    "application/json", ("{\"quotaVideoSeconds\":" + outOfRange + "}").getBytes(StandardCharsets.UTF_8), Map.of());
            assertThat(refused.status()).as(outOfRange).isEqualTo(422);
            assertThat(refused.json().get("errors").findValuesAsText("field")).as(outOfRange).containsExactly("quotaVideoSeconds");
        }

        setLimits(owner, "{\"maxConcurrent\":3,\"quotaVideoSeconds\":42.5}");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode view = api().get("/api/admin/users/" + owner + "/quota", api().token("root", "admin")).json().get("data");
            assertThat(view.at("/concurrency/limit").asInt()).isEqualTo(3);
            assertThat(view.at("/quota/limit").decimalValue()).isEqualByComparingTo("42.5");
            assertThat(view.get("ownLimits").asBoolean()).isTrue();
        });
        assertThat(api().get("/api/admin/users/" + owner + "/quota", api().token(owner)).status()).isEqualTo(403);
    }
}
