package dev.reelay.infra.e2e;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Reset and replay of the task views reproduces exactly the same rows, and the same statistics rollup. */
@ReelayIntegrationTest
class ProjectionRebuildTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void rebuildingTheTaskViewsReproducesIdenticalRows() {
        HttpApi api = new HttpApi(port);
        String user = api.token("rebuild-user");
        for (int i = 0; i < 4; i++) {
            api.postJson("/api/video/tasks", user, "{\"prompt\":\"rebuild " + i + "\",\"model\":\"sora-2\"}");
        }
        String cancelled = api.postJson("/api/video/tasks", user, "{\"prompt\":\"rebuild cancelled\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        api.postJson("/api/video/tasks/" + cancelled + "/cancel", user, "{}");
        // let every task reach its end so the views stop changing
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() ->
                jdbc.queryForObject("select count(*) from task_view where owner = 'rebuild-user' "
                        + "and status in ('COMPLETED','CANCELLED')", Integer.class) == 5
                );
        // other test classes share this context's database: compare this test's rows only. last_seq is compared with
        // the event store instead: events that show nothing (archive copies, a cancelled job's late outcome) may
        // still arrive during the test and move it
        String mine = "select video_id, owner, status, progress, prompt, model, size, seconds, media_type, "
                + "reference_image_sha256, provider_id, external_task_id, upstream_status, content_location, "
                + "content_expires_at, error_code, error_message, lineage_kind, remix_from, root_id, depth, created_at, "
                + "updated_at, completed_at, expired_at, queued_seq from task_view where owner = 'rebuild-user' order by video_id";
        List<Map<String, Object>> before = jdbc.queryForList(mine);
        String myStats = "select owner, hour, model, provider_id, status, count, seconds_histogram::text as histogram "
                + "from task_stats where owner = 'rebuild-user' and count <> 0 order by 1, 2, 3, 4, 5";
        List<Map<String, Object>> statsBefore = jdbc.queryForList(myStats);
        assertThat(statsBefore).isEqualTo(jdbc.queryForList(myStats.replace("from task_stats ", "from task_stats_exact ")));
        jdbc.update("update task_stats set count = count + 1 where owner = 'rebuild-user'");
        // damage the view: only a replay from the event store can restore it
        jdbc.update("update task_view set prompt = 'tampered', progress = 7 where video_id = ?", cancelled);
        jdbc.update("delete from task_view where video_id = (select min(video_id) from task_view "
                + "where owner = 'rebuild-user' and video_id <> ?)", cancelled);
        assertThat(jdbc.queryForList(mine)).isNotEqualTo(before);

        String admin = api.token("ops", "admin");
        assertThat(api.postJson("/api/admin/projections/task-views/rebuild", user, "{}").status()).isEqualTo(403);
        assertThat(api.postJson("/api/admin/projections/upstream-saga/rebuild", admin, "{}").status()).isEqualTo(422);
        HttpApi.Response started = api.postJson("/api/admin/projections/task-views/rebuild", admin, "{}");
        assertThat(started.status()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(jdbc.queryForList(mine)).isEqualTo(before));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(jdbc.queryForObject("select count(*) from task_view v where owner = 'rebuild-user' and last_seq <> "
                        + "(select max(sequence_number) from domain_event_entry where aggregate_identifier = v.video_id)",
                        Integer.class)).as("rebuilt rows whose last_seq is not their task's head").isZero());
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(jdbc.queryForList(myStats)).isEqualTo(statsBefore));
        long head = jdbc.queryForObject("select max(global_index) from domain_event_entry", Long.class);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            com.fasterxml.jackson.databind.JsonNode views = null;
            for (com.fasterxml.jackson.databind.JsonNode p : api.get("/api/admin/projections", admin).json().get("data")) {
                if (p.get("name").asText().equals("task-views")) {
                    views = p;
                }
            }
            assertThat(views).as("task-views in the admin list").isNotNull();
            assertThat(views.get("replayDone").asBoolean()).isTrue();
            assertThat(views.get("position").asLong()).isGreaterThanOrEqualTo(head);
            assertThat(views.get("lag").asLong()).as("a caught-up projection is no position behind the head").isZero();
        });
    }
}
