package dev.reelay.infra.consistency;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.infra.support.SseStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import org.springframework.test.context.TestPropertySource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two nodes on one database, each in its own JVM (issue 15, item 5): nothing a client sees depends on which node
 * answers. Tokens of the dev issuer, the create limit, a stale cached account and live streams with their resume.
 */
@ReelayIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestPropertySource(properties = {"reelay.rate-limit.per-user.burst=4", "reelay.rate-limit.per-user.refill-per-minute=1"})
class ClusterNodesTest {

    static final String TASK = "{\"prompt\":\"a fox on two nodes\",\"model\":\"sora-2\",\"seconds\":4}";

    @LocalServerPort
    int port;
    @Autowired
    Environment environment;

    SecondNode second;
    HttpApi nodeA;
    HttpApi nodeB;

    @BeforeAll
    void startTheSecondNode() throws Exception {
        second = SecondNode.beside(environment,
                "--reelay.rate-limit.per-user.burst=4", "--reelay.rate-limit.per-user.refill-per-minute=1");
        nodeA = new HttpApi(port);
        nodeB = new HttpApi(second.port());
    }

    @AfterAll
    void stopTheSecondNode() {
        if (second != null) {
            second.close();
        }
    }

    @Test
    void aTokenMintedOnOneNodeIsAcceptedByTheOther() {
        String fromA = nodeA.token("token-traveller");
        String fromB = nodeB.token("token-traveller");

        assertThat(nodeB.get("/api/video/tasks", fromA).status()).isEqualTo(200);
        assertThat(nodeA.get("/api/video/tasks", fromB).status()).isEqualTo(200);
    }

    @Test
    void theCreateLimitOfAUserIsSpentOnBothNodesTogether() {
        String token = nodeA.token("limited-on-two");
        List<Integer> statuses = new ArrayList<>();
        for (HttpApi node : List.of(nodeA, nodeB, nodeA, nodeB)) {
            statuses.add(node.postJson("/api/video/tasks", token, TASK).status());
        }
        assertThat(statuses).as("a burst of 4, spent on two nodes").containsOnly(201);

        HttpApi.Response onA = nodeA.postJson("/api/video/tasks", token, TASK);
        HttpApi.Response onB = nodeB.postJson("/api/video/tasks", token, TASK);
        assertThat(onA.status()).as(onA.body()).isEqualTo(429);
        assertThat(onB.status()).as(onB.body()).isEqualTo(429);
        assertThat(onB.json().at("/code").asText()).isEqualTo("RATE_LIMITED");
    }

    @Test
    void anAccountCachedOnOneNodeAndChangedOnTheOtherCostsTheClientNothing() {
        // node A caches accounts (the default), node B does not: each create on B leaves A's cached copy behind
        String token = nodeA.token("cached-on-two");
        for (HttpApi node : List.of(nodeA, nodeB, nodeA, nodeB)) {
            HttpApi.Response created = node.postJson("/api/video/tasks", token, TASK);
            assertThat(created.status()).as(created.body()).isEqualTo(201);
        }
    }

    @Test
    void aStreamOnOneNodeSeesWritesOnTheOtherAndResumesOnEitherNode() {
        String token = nodeA.token("streamer-on-two");
        SseStream onB = SseStream.open(second.port(), "/api/video/tasks/stream", token, null);
        assertThat(onB.status()).isEqualTo(200);
        String first = nodeA.postJson("/api/video/tasks", token, TASK).json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(15)).until(() -> submitted(onB, first) != null);
        String resumeAfter = submitted(onB, first).id();
        onB.close();

        String next = nodeB.postJson("/api/video/tasks", token, TASK).json().at("/data/videoId").asText();
        SseStream resumedOnA = SseStream.open(port, "/api/video/tasks/stream", token, resumeAfter);
        assertThat(resumedOnA.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> submitted(resumedOnA, next) != null);
        resumedOnA.close();

        assertThat(resumedOnA.events()).as("nothing up to the resumed position again, no reset")
                .noneMatch(e -> "reset".equals(e.name()))
                .noneMatch(e -> e.id() != null && e.id().equals(resumeAfter))
                .noneMatch(e -> "TaskSubmitted".equals(e.name()) && first.equals(e.data().path("videoId").asText()));
    }

    @Test
    void theSagasSegmentsAreSharedByBothNodesAndTheClusterViewShowsIt() {
        String admin = nodeA.token("cluster-admin-on-two", "admin");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonNode view = nodeB.get("/api/admin/cluster", admin).json().at("/data");
            List<String> live = new ArrayList<>();
            view.get("nodes").forEach(n -> {
                if (n.get("live").asBoolean()) {
                    live.add(n.get("id").asText());
                }
            });
            assertThat(live).hasSize(2);
            JsonNode saga = null;
            for (JsonNode p : view.get("processors")) {
                if (p.get("name").asText().equals("upstream-saga")) {
                    saga = p;
                }
            }
            assertThat(saga).isNotNull();
            assertThat(saga.get("segments").asInt()).isEqualTo(4);
            List<String> owners = new ArrayList<>();
            saga.get("claims").forEach(c -> owners.add(c.path("owner").asText()));
            assertThat(owners).as("two segments each").containsExactlyInAnyOrderElementsOf(
                    List.of(live.get(0), live.get(0), live.get(1), live.get(1)));
        });
    }

    private static SseStream.Event submitted(SseStream stream, String videoId) {
        return stream.events().stream()
                .filter(e -> "TaskSubmitted".equals(e.name()) && videoId.equals(e.data().path("videoId").asText()))
                .findFirst().orElse(null);
    }
}
