package dev.reelay.infra.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
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
                + "order by sequence_number", String.class, videoId);
        assertThat(types).first().isEqualTo("dev.reelay.kernel.event.TaskSubmitted");
        assertThat(types).contains("dev.reelay.kernel.event.UpstreamTaskAccepted");
        assertThat(types).last().isEqualTo("dev.reelay.kernel.event.TaskCompleted");
        assertThat(jdbc.queryForObject("select count(*) from sandbox_job", Integer.class)).isEqualTo(1);
        assertThat(jdbc.queryForObject("select count(*) from upstream_call where video_id = ? and operation = 'create'",
                Integer.class, videoId)).isEqualTo(1);
        assertThat(jdbc.queryForList("select request_summary from upstream_call", String.class))
                .noneMatch(s -> s != null && s.contains("sandbox-key"));
    }
}
