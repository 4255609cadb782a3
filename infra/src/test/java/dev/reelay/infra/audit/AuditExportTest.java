package dev.reelay.infra.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A task's audit export is one self-contained file that {@code verify-audit} checks with nothing but a public key,
 * and the history shows ids as plain strings.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.audit.checkpoint-interval=1s", "reelay.audit.gap-timeout=2s"})
class AuditExportTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void anExportVerifiesOfflineAgainstTheCheckpointKeyAndAnyChangeToItIsCaught(@TempDir Path dir) throws Exception {
        HttpApi api = new HttpApi(port);
        String token = api.token("audited");
        String videoId = archivedTask(api, token);

        HttpApi.Response response = api.get("/api/video/tasks/" + videoId + "/audit", token);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Content-Disposition")).contains("reelay-audit-" + videoId);
        JsonNode export = response.json();
        assertThat(export.at("/complete").asBoolean()).isTrue();
        assertThat(export.at("/events/0/type").asText()).isEqualTo("TaskSubmitted");
        assertThat(export.at("/events/0/payload/videoId").isTextual()).as("ids as plain strings").isTrue();
        assertThat(export.at("/events/0/metaData/principal").asText()).isEqualTo("audited");
        export.get("events").forEach(e -> assertThat(e.get("chainHash").asText()).hasSize(64));
        assertThat(export.at("/upstreamCalls")).isNotEmpty();
        byte[] mp4 = getClass().getClassLoader().getResourceAsStream("sandbox/video.mp4").readAllBytes();
        String videoSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(mp4));
        assertThat(export.at("/contentChecksums").findValuesAsText("sha256")).contains(videoSha);

        // the auditor's own copy of the key: a checkpoint file exported earlier by an admin
        long checkpoint = export.at("/proof/checkpoint/position").asLong();
        Path key = dir.resolve("checkpoint.json");
        Files.writeString(key, api.get("/api/admin/audit/checkpoints/" + checkpoint, api.token("ops", "admin")).body());
        Path file = dir.resolve("export.json");
        Files.writeString(file, response.body());
        assertThat(AuditCommands.run(new String[]{"verify-audit", file.toString(), "--public-key", key.toString()}))
                .isZero();

        ObjectNode readableChanged = (ObjectNode) export.deepCopy();
        ((ObjectNode) readableChanged.at("/events/0/payload/spec")).put("prompt", "something else");
        assertThat(problems(dir, readableChanged, key)).anyMatch(p -> p.contains("readable payload differs"));

        ObjectNode storedChanged = (ObjectNode) export.deepCopy();
        ((ObjectNode) storedChanged.at("/events/1/stored")).put("timeStamp", "2020-01-01T00:00:00Z");
        assertThat(problems(dir, storedChanged, key)).anyMatch(p -> p.contains("not the digest"));

        ObjectNode dropped = (ObjectNode) export.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) dropped.get("events")).remove(1);
        assertThat(problems(dir, dropped, key)).isNotEmpty();

        Path otherKey = dir.resolve("other.json");
        Files.writeString(otherKey, CheckpointKey.generate().toPublicJWK().toJSONString());
        assertThat(AuditCommands.run(new String[]{"verify-audit", file.toString(), "--public-key", otherKey.toString()}))
                .isEqualTo(1);
    }

    @Test
    void someoneElsesTaskHasNoExportAndTheHistoryShowsIdsAsPlainStrings() {
        HttpApi api = new HttpApi(port);
        String token = api.token("owner-of-history");
        String videoId = api.postJson("/api/video/tasks", token, "{\"prompt\":\"plain ids\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        assertThat(api.get("/api/video/tasks/" + videoId + "/audit", api.token("stranger")).status()).isEqualTo(404);
        JsonNode history = api.get("/api/video/tasks/" + videoId + "/history", token).json().at("/data/events/0");
        assertThat(history.at("/payload/videoId").asText()).isEqualTo(videoId);
    }

    private static java.util.List<String> problems(Path dir, JsonNode export, Path key) throws Exception {
        Path file = Files.createTempFile(dir, "changed", ".json");
        Files.writeString(file, JSON.writeValueAsString(export));
        return OfflineAuditVerifier.verify(file, key).problems();
    }

    private String archivedTask(HttpApi api, String token) {
        String videoId = api.postJson("/api/video/tasks", token, "{\"prompt\":\"an audited fox\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(40)).until(() -> jdbc.queryForObject("select count(*) from domain_event_entry "
                + "where aggregate_identifier = ? and payload_type like '%ContentArchived'", Integer.class, videoId) == 3);
        return videoId;
    }
}
