package dev.reelay.infra.content;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

import static dev.reelay.infra.content.ArchiveSteps.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Copy-on-complete keeps content after the provider drops it; retention expires tasks but keeps their history. */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.retention.failed=2s", "reelay.retention.sweep-interval=1s",
        "reelay.content.archive-first-backoff=1s"})
class ArchiveAndRetentionTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ObjectMapper json;

    @Test
    void finishedContentIsArchivedVerifiedAndServedAfterTheProviderDroppedIt() throws Exception {
        HttpApi api = new HttpApi(port);
        ArchiveSteps steps = new ArchiveSteps(api, jdbc, json);
        String token = api.token("archivist");
        String videoId = steps.archivedTask(token, "keep me", Duration.ofSeconds(40));

        byte[] mp4 = resource("sandbox/video.mp4");
        JsonNode video = steps.archived(videoId, "video");
        assertThat(video.get("bytes").asLong()).isEqualTo(mp4.length);
        assertThat(video.get("sha256").asText()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(mp4)));

        // the provider's copy goes away (its links expire); Reelay still serves identical bytes, with Range
        steps.providerDropsItsCopy(videoId);
        HttpApi.Response whole = api.get("/api/video/tasks/" + videoId + "/content", token);
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.raw().body()).isEqualTo(mp4);
        HttpApi.Response tail = api.send("GET", "/api/video/tasks/" + videoId + "/content", token, null, null,
                Map.of("Range", "bytes=-10"));
        assertThat(tail.status()).isEqualTo(206);
        assertThat(tail.raw().body()).isEqualTo(Arrays.copyOfRange(mp4, mp4.length - 10, mp4.length));
        assertThat(api.get("/api/video/tasks/" + videoId + "/content?variant=spritesheet", token).raw().body())
                .isEqualTo(resource("sandbox/spritesheet.jpg"));

        // deleting it on demand removes the bytes; the history stays
        assertThat(api.delete("/v1/videos/" + videoId, token).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                api.get("/api/video/tasks/" + videoId + "/content", token).status() == 404);
        assertThat(api.get("/api/video/tasks/" + videoId + "/history", token).json().at("/data/events")).isNotEmpty();
    }

    @Test
    void retentionExpiresAnEndedTaskAndKeepsItsHistoryReadable() {
        HttpApi api = new HttpApi(port);
        String token = api.token("retained");
        // the sandbox's moderation refuses this prompt: the task fails at once
        String videoId = api.postJson("/api/video/tasks", token, "{\"prompt\":\"something forbidden\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() ->
                api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText().equals("EXPIRED"));
        JsonNode events = api.get("/api/video/tasks/" + videoId + "/history", token).json().at("/data/events");
        assertThat(events.get(0).get("type").asText()).isEqualTo("TaskSubmitted");
        assertThat(events.get(events.size() - 2).get("type").asText()).isEqualTo("TaskFailed");
        assertThat(events.get(events.size() - 1).get("type").asText()).isEqualTo("TaskExpired");
        assertThat(events.get(events.size() - 1).at("/payload/reason").asText()).startsWith("retention: failed");
    }


}
