package dev.reelay.infra.stats;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.command.upstream.UpstreamSaga;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.kernel.command.CancelTask;
import dev.reelay.kernel.command.CompleteTask;
import dev.reelay.kernel.command.FailTask;
import dev.reelay.kernel.command.RecordUpstreamAcceptance;
import dev.reelay.kernel.command.SubmitTask;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventProcessor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Statistics over tasks whose whole life the test decides: submitted, accepted, completed, failed and cancelled
 * through the command bus at known instants (in 2001, where no other test's tasks are), so every count, rate and
 * percentile is exact. Nothing else touches these tasks: the upstream saga is stopped, and retention is a century so
 * the sweep does not expire tasks that ended in 2001.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.sandbox.enabled=false", "reelay.providers[0].id=none",
        "reelay.providers[0].format=openai-videos", "reelay.providers[0].base-url=http://127.0.0.1:9",
        "reelay.providers[0].models=nothing", "reelay.retention.completed=36500d", "reelay.retention.failed=36500d",
        "reelay.retention.cancelled=36500d"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatsTest {

    private static final String WINDOW = "from=2001-03-01T00:00:00Z&to=2001-03-04T00:00:00Z";
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CommandGateway commands;
    @Autowired
    EventProcessingConfiguration processing;

    final String ann = "stats-ann-" + UUID.randomUUID();
    final String ben = "stats-ben-" + UUID.randomUUID();
    final String admin = "stats-admin-" + UUID.randomUUID();
    final Map<String, TaskStatus> expected = new HashMap<>();

    HttpApi api() {
        return new HttpApi(port);
    }

    @BeforeAll
    void tasksWithKnownLives() {
        processing.eventProcessor(UpstreamSaga.GROUP).ifPresent(EventProcessor::shutDown);
        assertThat(processing.eventProcessor(UpstreamSaga.GROUP).map(EventProcessor::isRunning)).contains(false);

        // ann, inside the window: four completed in 10, 20, 30 and 40 s, one failed, one still queued
        completed(ann, "sora-2", "2001-03-01T10:00:00Z", "p-alpha", 10);
        completed(ann, "sora-2", "2001-03-01T11:00:00Z", "p-alpha", 20);
        completed(ann, "sora-2-pro", "2001-03-02T09:00:00Z", "p-beta", 30);
        completed(ann, "sora-2-pro", "2001-03-02T23:59:59Z", "p-beta", 40); // a UTC day late at night; completes the next day
        failed(ann, "sora-2", "2001-03-03T00:00:00Z");
        submitted(ann, "sora-2", "2001-03-03T12:00:00Z");
        // ann, just outside it: the second before `from`, and exactly `to` (exclusive)
        completed(ann, "sora-2", "2001-02-28T23:59:59Z", "p-alpha", 1000);
        failed(ann, "sora-2", "2001-03-04T00:00:00Z");
        // ben: one completed in 100 s, one failed, one cancelled
        completed(ben, "sora-2", "2001-03-01T12:00:00Z", "p-alpha", 100);
        failed(ben, "sora-2", "2001-03-02T12:00:00Z");
        String cancelled = submitted(ben, "sora-2-pro", "2001-03-02T13:00:00Z");
        commands.sendAndWait(new CancelTask(new VideoId(cancelled), ben, false, "changed my mind",
                Instant.parse("2001-03-02T13:00:05Z")));
        expected.put(cancelled, TaskStatus.CANCELLED);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Map<String, TaskStatus> projected = new HashMap<>();
            jdbc.query("select video_id, status from task_view where owner in (?, ?)",
                    rs -> {
                        projected.put(rs.getString(1), TaskStatus.valueOf(rs.getString(2)));
                    }, ann, ben);
            assertThat(projected).isEqualTo(expected);
        });
    }

    private String submitted(String owner, String model, String createdAt) {
        VideoId id = VideoId.random();
        commands.sendAndWait(new SubmitTask(id, owner, new TaskSpec("stats", model, "720x1280", 4, MediaType.VIDEO, null),
                Instant.parse(createdAt)));
        expected.put(id.value(), TaskStatus.QUEUED);
        return id.value();
    }

    private void completed(String owner, String model, String createdAt, String provider, int seconds) {
        String id = submitted(owner, model, createdAt);
        Instant created = Instant.parse(createdAt);
        commands.sendAndWait(new RecordUpstreamAcceptance(new VideoId(id), provider, "job-" + id, created.plusSeconds(1)));
        commands.sendAndWait(new CompleteTask(new VideoId(id), "https://provider.example/v/" + id,
                created.plusSeconds(seconds + 3600), 4, "720x1280", created.plusSeconds(seconds)));
        expected.put(id, TaskStatus.COMPLETED);
    }

    private void failed(String owner, String model, String createdAt) {
        String id = submitted(owner, model, createdAt);
        commands.sendAndWait(new FailTask(new VideoId(id), ErrorCode.UPSTREAM_ERROR, "the provider reported a failure",
                false, "server_error", Instant.parse(createdAt).plusSeconds(7)));
        expected.put(id, TaskStatus.FAILED);
    }

    private JsonNode stats(String token, String query) {
        HttpApi.Response response = api().get("/api/video/stats" + (query.isEmpty() ? "" : "?" + query), token);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("success").asBoolean()).isTrue();
        assertThat(response.json().get("requestTime").isNumber()).isTrue();
        return response.json().get("data");
    }

    private static Map<String, Long> counts(JsonNode node) {
        return JSON.convertValue(node, new TypeReference<LinkedHashMap<String, Long>>() { });
    }

    private static Map<String, Long> statuses(long queued, long completed, long failed, long cancelled) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("QUEUED", queued);
        m.put("PROCESSING", 0L);
        m.put("COMPLETED", completed);
        m.put("FAILED", failed);
        m.put("CANCELLED", cancelled);
        m.put("EXPIRED", 0L);
        return m;
    }

    private static List<Map<String, Object>> days(Object... dayAndCount) {
        List<Map<String, Object>> days = new java.util.ArrayList<>();
        for (int i = 0; i < dayAndCount.length; i += 2) {
            days.add(Map.of("day", dayAndCount[i], "count", dayAndCount[i + 1]));
        }
        return days;
    }

    private static List<Map<String, Object>> perDay(JsonNode node) {
        return JSON.convertValue(node, new TypeReference<List<Map<String, Object>>>() { });
    }

    @Test
    void aUsersOwnStatsInAWindowAreExact() {
        JsonNode data = stats(api().token(ann), WINDOW);
        assertThat(data.get("scope").asText()).isEqualTo("own");
        assertThat(data.get("total").asLong()).isEqualTo(6);
        assertThat(counts(data.get("byStatus"))).containsExactlyEntriesOf(statuses(1, 4, 1, 0));
        assertThat(counts(data.get("byModel"))).isEqualTo(Map.of("sora-2", 4L, "sora-2-pro", 2L));
        assertThat(counts(data.get("byProvider"))).isEqualTo(Map.of("p-alpha", 2L, "p-beta", 2L, "(none)", 2L));
        assertThat(data.get("successRate").asDouble()).isCloseTo(0.8, within(1e-12));
        // percentile_cont over 10, 20, 30, 40: p50 = 25, p95 = 30 + 0.85 * 10
        assertThat(data.at("/secondsToComplete/p50").asDouble()).isCloseTo(25.0, within(1e-9));
        assertThat(data.at("/secondsToComplete/p95").asDouble()).isCloseTo(38.5, within(1e-9));
        assertThat(data.at("/secondsToComplete/samples").asLong()).isEqualTo(4);
        // UTC days of creation: 23:59:59 stays on the 2nd, 00:00:00 opens the 3rd
        assertThat(perDay(data.get("perDay"))).isEqualTo(days("2001-03-01", 2, "2001-03-02", 2, "2001-03-03", 2));
    }

    @Test
    void anotherUserSeesOnlyTheirOwn() {
        JsonNode data = stats(api().token(ben), WINDOW);
        assertThat(data.get("total").asLong()).isEqualTo(3);
        assertThat(counts(data.get("byStatus"))).containsExactlyEntriesOf(statuses(0, 1, 1, 1));
        assertThat(counts(data.get("byModel"))).isEqualTo(Map.of("sora-2", 2L, "sora-2-pro", 1L));
        assertThat(counts(data.get("byProvider"))).isEqualTo(Map.of("p-alpha", 1L, "(none)", 2L));
        assertThat(data.get("successRate").asDouble()).isCloseTo(0.5, within(1e-12));
        assertThat(data.at("/secondsToComplete/p50").asDouble()).isCloseTo(100.0, within(1e-9));
        assertThat(data.at("/secondsToComplete/p95").asDouble()).isCloseTo(100.0, within(1e-9));
        assertThat(perDay(data.get("perDay"))).isEqualTo(days("2001-03-01", 1, "2001-03-02", 2));

        // asking for everyone without being an admin still gives only their own
        JsonNode widened = stats(api().token(ben), WINDOW + "&all=true");
        assertThat(widened.get("scope").asText()).isEqualTo("own");
        assertThat(widened.get("total").asLong()).isEqualTo(3);
    }

    @Test
    void anAdminAskingForAllSeesEveryOwner() {
        String token = api().token(admin, "admin");
        JsonNode data = stats(token, WINDOW + "&all=true");
        assertThat(data.get("scope").asText()).isEqualTo("all");
        assertThat(data.get("total").asLong()).isEqualTo(9);
        assertThat(counts(data.get("byStatus"))).containsExactlyEntriesOf(statuses(1, 5, 2, 1));
        assertThat(counts(data.get("byModel"))).isEqualTo(Map.of("sora-2", 6L, "sora-2-pro", 3L));
        assertThat(counts(data.get("byProvider"))).isEqualTo(Map.of("p-alpha", 3L, "p-beta", 2L, "(none)", 4L));
        assertThat(data.get("successRate").asDouble()).isCloseTo(5.0 / 7.0, within(1e-12));
        // over 10, 20, 30, 40, 100: p50 = 30, p95 = 40 + 0.8 * 60
        assertThat(data.at("/secondsToComplete/p50").asDouble()).isCloseTo(30.0, within(1e-9));
        assertThat(data.at("/secondsToComplete/p95").asDouble()).isCloseTo(88.0, within(1e-9));
        assertThat(data.at("/secondsToComplete/samples").asLong()).isEqualTo(5);
        assertThat(perDay(data.get("perDay"))).isEqualTo(days("2001-03-01", 3, "2001-03-02", 4, "2001-03-03", 2));

        // without all=true an admin gets their own: none here, so no rate and no percentiles
        JsonNode own = stats(token, WINDOW);
        assertThat(own.get("scope").asText()).isEqualTo("own");
        assertThat(own.get("total").asLong()).isZero();
        assertThat(counts(own.get("byStatus"))).containsExactlyEntriesOf(statuses(0, 0, 0, 0));
        assertThat(own.path("successRate").isNumber()).isFalse();
        assertThat(own.at("/secondsToComplete/p50").isNumber()).isFalse();
        assertThat(own.at("/secondsToComplete/samples").asLong()).isZero();
        assertThat(own.get("perDay")).isEmpty();
    }

    @Test
    void theWindowBoundsAreFromInclusiveToExclusiveAndChecked() {
        String token = api().token(ann);
        JsonNode everything = stats(token, "");
        assertThat(everything.get("total").asLong()).isEqualTo(8);
        assertThat(everything.at("/secondsToComplete/samples").asLong()).isEqualTo(5);
        assertThat(stats(token, "from=2001-03-04T00:00:00Z").get("total").asLong()).isEqualTo(1);
        assertThat(stats(token, "to=2001-03-01T00:00:00Z").get("total").asLong()).isEqualTo(1);
        assertThat(stats(token, "from=2001-02-28T23:59:59Z&to=2001-03-01T00:00:00Z").get("total").asLong()).isEqualTo(1);

        HttpApi.Response backwards = api().get("/api/video/stats?from=2001-03-04T00:00:00Z&to=2001-03-01T00:00:00Z", token);
        assertThat(backwards.status()).isEqualTo(422);
        assertThat(backwards.json().get("code").asText()).isEqualTo("VALIDATION_FAILED");
        assertThat(api().get("/api/video/stats?from=yesterday", token).status()).isEqualTo(400);
        assertThat(api().get("/api/video/stats", null).status()).isEqualTo(401);
    }
}
