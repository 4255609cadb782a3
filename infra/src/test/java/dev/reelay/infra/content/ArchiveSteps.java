package dev.reelay.infra.content;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.infra.support.HttpApi;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.awaitility.Awaitility.await;

/** The steps the archive tests share, whatever the content store: a finished, archived task and its events. */
record ArchiveSteps(HttpApi api, JdbcTemplate jdbc, ObjectMapper json) {

    /** Submits a task to the sandbox and waits until its three variants are archived; returns its id. */
    String archivedTask(String token, String prompt, Duration within) {
        String videoId = api.postJson("/api/video/tasks", token, "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        await().atMost(within).until(() -> jdbc.queryForObject("select count(*) from domain_event_entry "
                + "where aggregate_identifier = ? and payload_type like '%ContentArchived'", Integer.class, videoId) == 3);
        return videoId;
    }

    /** The task's {@code ContentArchived} event for one variant. */
    JsonNode archived(String videoId, String variant) {
        return jdbc.queryForList("select payload from domain_event_entry where aggregate_identifier = ? "
                        + "and payload_type like '%ContentArchived' order by sequence_number", byte[].class, videoId)
                .stream().map(this::read).filter(event -> event.get("variant").asText().equals(variant))
                .findFirst().orElseThrow();
    }

    /** The sandbox drops its copy, as a provider's links expire: from now on only Reelay's archive has the bytes. */
    void providerDropsItsCopy(String videoId) {
        String external = jdbc.queryForObject("select external_task_id from upstream_binding where video_id = ?",
                String.class, videoId);
        jdbc.update("update sandbox_job set deleted = true where id = ?", external);
    }

    static byte[] resource(String path) throws Exception {
        try (InputStream in = ArchiveSteps.class.getClassLoader().getResourceAsStream(path)) {
            return in.readAllBytes();
        }
    }

    private JsonNode read(byte[] payload) {
        try {
            return json.readTree(new String(payload, StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
