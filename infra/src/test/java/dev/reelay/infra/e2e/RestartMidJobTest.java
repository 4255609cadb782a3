package dev.reelay.infra.e2e;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.RestartableNode;
import dev.reelay.infra.support.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.reelay.infra.support.RestartableNode.port;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node dies right after accepting a task; a new node on the same database finishes the job from the persisted saga
 * and deadlines, and the provider saw exactly one create: nothing is paid twice.
 */
class RestartMidJobTest {

    @TempDir
    Path dataDir;

    private ConfigurableApplicationContext start(String[] db, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--reelay.sandbox.job-duration=4s",
                "--reelay.upstream.submission-watchdog=5s"));
        args.addAll(List.of(more));
        return RestartableNode.start(db, dataDir, args.toArray(String[]::new));
    }

    @Test
    void aTaskSubmittedBeforeARestartCompletesAfterItWithOneUpstreamCreate() {
        String[] db = TestDatabase.newDatabase();
        String videoId;
        JdbcTemplate jdbc;
        try (ConfigurableApplicationContext first = start(db)) {
            HttpApi api = new HttpApi(port(first));
            String token = api.token("alice");
            HttpApi.Response created = api.postJson("/api/video/tasks", token,
                    "{\"prompt\":\"survives a restart\",\"model\":\"sora-2\"}");
            assertThat(created.status()).isEqualTo(201);
            videoId = created.json().at("/data/videoId").asText();
            jdbc = new JdbcTemplate(org.springframework.boot.jdbc.DataSourceBuilder.create()
                    .url(db[0]).username(db[1]).password(db[2]).build());
            String id = videoId;
            await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.queryForObject(
                    "select count(*) from domain_event_entry where aggregate_identifier = ? and payload_type like '%UpstreamTaskAccepted'",
                    Integer.class, id) == 1);
            // the node goes away mid-job: the job is still running at the provider
        }
        try (ConfigurableApplicationContext second = start(db)) {
            HttpApi api = new HttpApi(port(second));
            String token = api.token("alice");
            String id = videoId;
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(api.get("/api/video/tasks/" + id, token).json().at("/data/status").asText()).isEqualTo("COMPLETED"));
        }
        assertThat(jdbc.queryForObject("select count(*) from sandbox_job where prompt = 'survives a restart'", Integer.class))
                .isEqualTo(1);
        // (the archiver may append ContentArchived events after the completion)
        List<String> types = jdbc.queryForList("select payload_type from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type not like '%ContentArchive%' order by sequence_number", String.class, videoId);
        assertThat(types.stream().filter(t -> t.endsWith("UpstreamTaskAccepted"))).hasSize(1);
        assertThat(types).last().isEqualTo("dev.reelay.kernel.event.TaskCompleted");
    }

    @Test
    void aTaskWhoseSubmissionWasCutOffByARestartIsSubmittedOnceAfterIt() {
        String[] db = TestDatabase.newDatabase();
        String videoId;
        try (ConfigurableApplicationContext first = start(db)) {
            HttpApi api = new HttpApi(port(first));
            videoId = api.postJson("/api/video/tasks", api.token("alice"),
                    "{\"prompt\":\"cut off early\",\"model\":\"sora-2\"}").json().at("/data/videoId").asText();
            // stop at once: the submission may or may not have reached the provider
        }
        JdbcTemplate jdbc = new JdbcTemplate(org.springframework.boot.jdbc.DataSourceBuilder.create()
                .url(db[0]).username(db[1]).password(db[2]).build());
        try (ConfigurableApplicationContext second = start(db)) {
            HttpApi api = new HttpApi(port(second));
            String token = api.token("alice");
            String id = videoId;
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(api.get("/api/video/tasks/" + id, token).json().at("/data/status").asText()).isEqualTo("COMPLETED"));
        }
        assertThat(jdbc.queryForObject("select count(*) from sandbox_job where prompt = 'cut off early'", Integer.class))
                .isEqualTo(1);
    }

    @Test
    void aTaskWaitingInReelaysQueueIsAdmittedByTheNextNodeAfterARestart() {
        String[] db = TestDatabase.newDatabase();
        String running;
        String waiting;
        try (ConfigurableApplicationContext first = start(db, "--reelay.guardrails.max-concurrent=1")) {
            HttpApi api = new HttpApi(port(first));
            String token = api.token("bob");
            running = api.postJson("/api/video/tasks", token, "{\"prompt\":\"holds the slot\",\"model\":\"sora-2\"}")
                    .json().at("/data/videoId").asText();
            HttpApi.Response queued = api.postJson("/api/video/tasks", token,
                    "{\"prompt\":\"waits for the slot\",\"model\":\"sora-2\"}");
            assertThat(queued.status()).isEqualTo(201);
            waiting = queued.json().at("/data/videoId").asText();
            // the queue is only in the event store: stop before anything of the waiting task happened upstream
        }
        JdbcTemplate jdbc = new JdbcTemplate(org.springframework.boot.jdbc.DataSourceBuilder.create()
                .url(db[0]).username(db[1]).password(db[2]).build());
        try (ConfigurableApplicationContext second = start(db, "--reelay.guardrails.max-concurrent=1")) {
            HttpApi api = new HttpApi(port(second));
            String token = api.token("bob");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(api.get("/api/video/tasks/" + running, token).json().at("/data/status").asText()).isEqualTo("COMPLETED");
                assertThat(api.get("/api/video/tasks/" + waiting, token).json().at("/data/status").asText()).isEqualTo("COMPLETED");
            });
        }
        assertThat(jdbc.queryForObject("select count(*) from sandbox_job where prompt = 'waits for the slot'", Integer.class))
                .isEqualTo(1);
        List<String> account = jdbc.queryForList("select payload_type from domain_event_entry where aggregate_identifier = "
                + "'account:bob' order by sequence_number", String.class);
        assertThat(account).containsSubsequence("dev.reelay.kernel.event.TaskQueuedForSlot",
                "dev.reelay.kernel.event.QuotaCaptured", "dev.reelay.kernel.event.TaskAdmitted");
    }
}
