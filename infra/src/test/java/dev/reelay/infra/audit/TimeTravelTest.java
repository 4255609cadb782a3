package dev.reelay.infra.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code asOf} on a task and its lineage: the task as it stood then, folded from its events by the live code. */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.audit.checkpoint-interval=1s", "reelay.audit.gap-timeout=2s"})
class TimeTravelTest {

    @LocalServerPort
    int port;

    HttpApi api;
    String token;

    @BeforeEach
    void client() {
        api = new HttpApi(port);
        token = api.token("traveller");
    }

    @Test
    void aTaskAsOfEachOfItsEventsHasTheStatusThatEventGaveIt() {
        String videoId = completedTask("a fox, then and now");
        JsonNode events = api.get("/api/video/tasks/" + videoId + "/history", token).json().at("/data/events");
        Instant submitted = time(events, "TaskSubmitted");
        Instant accepted = time(events, "UpstreamTaskAccepted");

        assertThat(asOf(videoId, submitted).at("/data/status").asText()).isEqualTo("QUEUED");
        assertThat(asOf(videoId, submitted).at("/data/progress").asInt()).isZero();
        assertThat(asOf(videoId, accepted).at("/data/status").asText()).isEqualTo("PROCESSING");
        assertThat(asOf(videoId, accepted).at("/data/metadata/externalTaskId").asText()).isNotBlank();
        assertThat(api.get("/api/video/tasks/" + videoId + "?asOf=" + submitted.minusMillis(1), token).status())
                .as("before it was submitted the task did not exist").isEqualTo(404);
    }

    @Test
    void aTaskAsOfNowIsTheLiveViewWithoutItsLinks() {
        String videoId = completedTask("a fox in the present");
        ObjectNode live = (ObjectNode) api.get("/api/video/tasks/" + videoId, token).json().get("data");
        ObjectNode now = (ObjectNode) asOf(videoId, Instant.now().plusSeconds(1)).get("data");
        assertThat(live.get("videoUrl").asText()).contains("/content");
        assertThat(now.get("videoUrl").isNull()).isTrue();
        // the row holds PostgreSQL's (rounded) microseconds; the fold has the events' own precision
        for (String field : List.of("createdAt", "updatedAt", "completedAt")) {
            Instant rowTime = Instant.parse(live.remove(field).asText());
            Instant foldTime = Instant.parse(now.remove(field).asText());
            assertThat(Duration.between(rowTime, foldTime).abs()).as(field).isLessThanOrEqualTo(Duration.ofNanos(1_000));
        }
        live.remove(List.of("videoUrl", "thumbnailUrl"));
        now.remove(List.of("videoUrl", "thumbnailUrl"));
        assertThat(now).isEqualTo(live);
    }

    @Test
    void aLineageAsOfBeforeARemixHasNoChildAndItsTasksCarryTheirStatusOfThen() {
        String source = completedTask("a fox to be remixed");
        Instant beforeRemix = Instant.now();
        HttpApi.Response remix = api.postJson("/api/video/tasks/" + source + "/remix", token, "{\"prompt\":\"in the rain\"}");
        assertThat(remix.status()).as(remix.body()).isEqualTo(201);
        String child = remix.json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> api.get("/api/video/tasks/" + source + "/lineage", token)
                .json().at("/data/descendants/children").size() == 1);

        JsonNode then = api.get("/api/video/tasks/" + source + "/lineage?asOf=" + beforeRemix, token).json().at("/data");
        assertThat(then.at("/descendants/children")).isEmpty();
        assertThat(then.at("/descendants/status").asText()).isEqualTo("COMPLETED");

        Instant submitted = time(api.get("/api/video/tasks/" + source + "/history", token).json().at("/data/events"),
                "TaskSubmitted");
        assertThat(api.get("/api/video/tasks/" + source + "/lineage?asOf=" + submitted, token).json()
                .at("/data/descendants/status").asText()).isEqualTo("QUEUED");
        JsonNode ancestors = api.get("/api/video/tasks/" + child + "/lineage?asOf=" + Instant.now().plusSeconds(1), token)
                .json().at("/data/ancestors");
        assertThat(ancestors.get(0).at("/videoId").asText()).isEqualTo(source);
        assertThat(api.get("/api/video/tasks/" + child + "/lineage?asOf=" + beforeRemix, token).status()).isEqualTo(404);
    }

    @Test
    void aMalformedAsOfIsRefusedNamingItAndSomeoneElsesTaskStaysHidden() {
        String videoId = completedTask("a private fox");
        for (String path : List.of("/api/video/tasks/" + videoId, "/api/video/tasks/" + videoId + "/lineage")) {
            HttpApi.Response bad = api.get(path + "?asOf=yesterday", token);
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.contentType()).startsWith("application/problem+json");
            assertThat(bad.json().at("/errors/0/field").asText()).isEqualTo("asOf");
            assertThat(api.get(path + "?asOf=" + Instant.now(), api.token("stranger")).status()).isEqualTo(404);
        }
    }

    private JsonNode asOf(String videoId, Instant at) {
        HttpApi.Response response = api.get("/api/video/tasks/" + videoId + "?asOf=" + at, token);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private String completedTask(String prompt) {
        String videoId = api.postJson("/api/video/tasks", token, "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(40)).until(() ->
                api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText().equals("COMPLETED"));
        return videoId;
    }

    private static Instant time(JsonNode events, String type) {
        List<Instant> times = new ArrayList<>();
        events.forEach(e -> {
            if (e.get("type").asText().equals(type)) {
                times.add(Instant.parse(e.get("time").asText()));
            }
        });
        assertThat(times).as(type).isNotEmpty();
        return times.get(0);
    }
}
