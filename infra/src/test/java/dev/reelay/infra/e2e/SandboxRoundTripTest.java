package dev.reelay.infra.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.infra.support.SandboxJobLength;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A task submitted over REST reaches COMPLETED on its own against the in-process sandbox provider. */
@ReelayIntegrationTest
class SandboxRoundTripTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @org.springframework.beans.factory.annotation.Value("${reelay.sandbox.api-key}")
    String sandboxKey;

    @Test
    void aSubmittedTaskIsAcceptedUpstreamAndCompletes() {
        HttpApi api = new HttpApi(port);
        String token = api.token("alice");
        HttpApi.Response created = api.postJson("/api/video/tasks", token,
                "{\"prompt\":\"a lighthouse at dusk\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}");
        assertThat(created.status()).isEqualTo(201);
        String videoId = created.json().at("/data/videoId").asText();

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText()).isEqualTo("COMPLETED");
        });
        JsonNode view = api.get("/api/video/tasks/" + videoId, token).json().get("data");
        assertThat(view.get("externalTaskId").asText()).startsWith("video_").isNotEqualTo(videoId);
        assertThat(view.get("progress").asInt()).isEqualTo(100);
        assertThat(view.get("provider").asText()).isEqualTo("sandbox");

        List<String> types = jdbc.queryForList("select payload_type from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type not like '%ContentArchive%' order by sequence_number", String.class, videoId);
        assertThat(types).first().isEqualTo("dev.reelay.kernel.event.TaskSubmitted");
        assertThat(types).contains("dev.reelay.kernel.event.UpstreamTaskAccepted");
        assertThat(types).last().isEqualTo("dev.reelay.kernel.event.TaskCompleted");
        assertThat(jdbc.queryForObject("select count(*) from sandbox_job where prompt = 'a lighthouse at dusk'", Integer.class)).isEqualTo(1);
        // events caused by the upstream work still name the request that started it
        // (the archive job's later ContentArchived events come from a scheduler thread, not from this request)
        List<String> metadata = jdbc.queryForList("select convert_from(meta_data, 'UTF8') from domain_event_entry "
                + "where aggregate_identifier = ? and payload_type not like '%ContentArchive%' order by sequence_number",
                String.class, videoId);
        String traceOfSubmit = metadata.get(0).replaceAll(".*\"traceId\":\"([0-9a-f]+)\".*", "$1");
        assertThat(traceOfSubmit).hasSize(32);
        assertThat(metadata).allMatch(m -> m.contains(traceOfSubmit));
        assertThat(metadata.get(metadata.size() - 1)).contains("\"principal\":\"system:upstream\"");
        assertThat(jdbc.queryForObject("select count(*) from upstream_call where video_id = ? and operation = 'create'",
                Integer.class, videoId)).isEqualTo(1);
        assertThat(jdbc.queryForList("select request_summary from upstream_call", String.class))
                .noneMatch(s -> s != null && s.contains(sandboxKey));

        // content: the real MP4 from the provider, served by Reelay with Range support
        byte[] mp4 = resource("sandbox/video.mp4");
        HttpApi.Response whole = api.get("/api/video/tasks/" + videoId + "/content", token);
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.contentType()).isEqualTo("video/mp4");
        assertThat(whole.raw().body()).isEqualTo(mp4);
        HttpApi.Response part = api.send("GET", "/api/video/tasks/" + videoId + "/content", token, null, null,
                java.util.Map.of("Range", "bytes=0-99"));
        assertThat(part.status()).isEqualTo(206);
        assertThat(part.raw().body()).isEqualTo(java.util.Arrays.copyOf(mp4, 100));
        assertThat(part.header("Content-Range")).isEqualTo("bytes 0-99/" + mp4.length);
        HttpApi.Response thumbnail = api.get("/api/video/tasks/" + videoId + "/content?variant=thumbnail", token);
        assertThat(thumbnail.status()).isEqualTo(200);
        assertThat(thumbnail.raw().body()).isEqualTo(resource("sandbox/thumbnail.png"));
        assertThat(api.get("/api/video/tasks/" + videoId + "/content?variant=poster", token).status()).isEqualTo(422);
        String bob = api.token("bob");
        assertThat(api.get("/api/video/tasks/" + videoId + "/content", bob).status()).isEqualTo(404);

        // the call log, for the owner only
        HttpApi.Response calls = api.get("/api/video/tasks/" + videoId + "/upstream-calls", token);
        assertThat(calls.status()).isEqualTo(200);
        assertThat(calls.json().get("data").findValuesAsText("operation")).contains("create", "retrieve");
        assertThat(calls.body()).doesNotContain(sandboxKey);
        assertThat(api.get("/api/video/tasks/" + videoId + "/upstream-calls", bob).status()).isEqualTo(404);
        assertThat(api.get("/api/admin/upstream-calls", bob).status()).isEqualTo(403);
        assertThat(api.get("/api/admin/upstream-calls", api.token("root", "admin")).json().get("data").size()).isPositive();
    }

    @Test
    void aCancelledTaskIsDeletedUpstream() {
        HttpApi api = new HttpApi(port);
        String token = api.token("dave");
        String prompt = "short-lived " + java.util.UUID.randomUUID();
        String videoId = api.postJson("/api/video/tasks", token, "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        SandboxJobLength.keepRunning(jdbc, prompt, Duration.ofSeconds(30)); // still running when cancelled below
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "select count(*) from upstream_binding where video_id = ?", Integer.class, videoId) == 1);
        assertThat(api.postJson("/api/video/tasks/" + videoId + "/cancel", token, "{}").status()).isEqualTo(200);
        String external = jdbc.queryForObject("select external_task_id from upstream_binding where video_id = ?", String.class, videoId);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "select deleted from sandbox_job where id = ?", Boolean.class, external)).isTrue());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText()).isEqualTo("CANCELLED"));
    }

    @Test
    void aModeratedPromptFailsWithoutRetryAndWithASafeMessage() {
        HttpApi api = new HttpApi(port);
        String token = api.token("erin");
        String videoId = api.postJson("/api/video/tasks", token, "{\"prompt\":\"something forbidden\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText()).isEqualTo("FAILED"));
        JsonNode error = api.get("/api/video/tasks/" + videoId, token).json().at("/data/error");
        assertThat(error.get("code").asText()).isEqualTo("UPSTREAM_MODERATION");
        assertThat(jdbc.queryForObject("select count(*) from upstream_call where video_id = ? and operation = 'create'",
                Integer.class, videoId)).isEqualTo(1);
    }

    @Test
    void theSandboxRefusesAWrongKeyOnEveryRouteBeforeReadingTheBody() {
        HttpApi api = new HttpApi(port);
        byte[] notJson = "{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<HttpApi.Response> refused = List.of(
                api.send("POST", "/sandbox/v1/videos", "not-the-key", "application/json", notJson, java.util.Map.of()),
                api.send("POST", "/sandbox/v1/videos/video_x/remix", "not-the-key", "application/json", notJson,
                        java.util.Map.of()),
                api.get("/sandbox/v1/videos/video_x", "not-the-key"),
                api.delete("/sandbox/v1/videos/video_x", "not-the-key"),
                api.get("/sandbox/v1/videos/video_x/content", null));
        assertThat(refused).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.json().at("/error/code").asText()).isEqualTo("invalid_api_key");
            assertThat(r.json().at("/error/type").asText()).isEqualTo("invalid_request_error");
        });
        assertThat(api.get("/sandbox/v1/videos/video_x", sandboxKey).json().at("/error/code").asText())
                .isEqualTo("not_found");
    }

    @Test
    void theSandboxAnswersTheOpenAiVideoObjectWithEveryMember() {
        HttpApi api = new HttpApi(port);
        HttpApi.Response created = api.postJson("/sandbox/v1/videos", sandboxKey,
                "{\"model\":\"sora-2\",\"prompt\":\"straight to the sandbox\",\"size\":\"1280x720\",\"seconds\":\"8\"}");
        assertThat(created.status()).isEqualTo(200);
        JsonNode video = created.json();
        assertThat(video.get("id").asText()).startsWith("video_");
        assertThat(video.get("object").asText()).isEqualTo("video");
        assertThat(video.get("status").asText()).isIn("queued", "in_progress");
        assertThat(video.get("seconds").asText()).isEqualTo("8");
        assertThat(video.get("size").asText()).isEqualTo("1280x720");
        assertThat(video.has("completed_at")).isTrue();
        assertThat(video.get("completed_at").isNull()).isTrue();
        assertThat(video.get("error").isNull()).isTrue();

        HttpApi.Response deleted = api.delete("/sandbox/v1/videos/" + video.get("id").asText(), sandboxKey);
        assertThat(deleted.json().get("object").asText()).isEqualTo("video.deleted");
        assertThat(deleted.json().get("deleted").asBoolean()).isTrue();
        assertThat(api.get("/sandbox/v1/videos/" + video.get("id").asText(), sandboxKey).status()).isEqualTo(404);
    }

    private static byte[] resource(String path) {
        try (var in = SandboxRoundTripTest.class.getClassLoader().getResourceAsStream(path)) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
