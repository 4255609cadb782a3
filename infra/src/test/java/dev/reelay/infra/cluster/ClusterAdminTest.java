package dev.reelay.infra.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A deployment whose upstream saga was made with one segment (as before issue 15) is split up to the configured four,
 * keeps working on them, and the admin cluster view shows who holds what.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"axon.eventhandling.processors.upstream-saga.initial-segment-count=1",
        "reelay.cluster.upstream-saga-segments=4"})
class ClusterAdminTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ClusterNodes nodes;

    @Test
    void anUpstreamSagaOnOneSegmentIsSplitToFourAndKeepsCompletingTasks() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> jdbc.queryForObject(
                "select count(*) from token_entry where processor_name = 'upstream-saga'", Integer.class) == 4);

        HttpApi api = new HttpApi(port);
        String token = api.token("segments-user");
        List<String> tasks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            tasks.add(api.postJson("/api/video/tasks", token, "{\"prompt\":\"a split fox\",\"model\":\"sora-2\",\"seconds\":4}")
                    .json().at("/data/videoId").asText());
        }
        for (String videoId : tasks) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                    api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText().equals("COMPLETED"));
        }
        assertThat(jdbc.queryForObject("select count(distinct video_id) from upstream_call where operation = 'create' "
                + "and http_status between 200 and 299", Integer.class)).as("one accepted create per task").isEqualTo(6);
    }

    @Test
    void aRunIsRunningWhileItsRowIsFreshAndGoneWhenItsRowIsStaleOrDeleted() {
        assertThat(nodes.isRunning(nodes.thisRun())).as("this run, while started").isTrue();
        assertThat(nodes.thisRun()).startsWith(ClusterNodes.THIS_NODE + "/");
        jdbc.update("insert into cluster_node(node_id, run_id, started_at, last_seen) values "
                + "('1@fresh', '1@fresh/a', now(), now()), ('2@stale', '2@stale/b', now() - interval '1 minute', "
                + "now() - interval '16 seconds')");
        try {
            assertThat(nodes.isRunning("1@fresh/a")).isTrue();
            assertThat(nodes.isRunning("2@stale/b")).as("not seen within the 15 s node timeout").isFalse();
            assertThat(nodes.isRunning("1@fresh/an-earlier-run")).as("the same node, restarted since").isFalse();
            assertThat(nodes.isRunning("3@stopped/c")).as("a stopped node deleted its row").isFalse();
        } finally {
            jdbc.update("delete from cluster_node where node_id in ('1@fresh', '2@stale')");
        }
    }

    @Test
    void theClusterViewNamesThisNodeItsSegmentsAndTheLagOfEachProcessor() {
        HttpApi api = new HttpApi(port);
        assertThat(api.get("/api/admin/cluster", api.token("not-an-admin")).status()).isEqualTo(403);

        JsonNode view = api.get("/api/admin/cluster", api.token("cluster-admin", "admin")).json().at("/data");
        String me = view.get("thisNode").asText();
        assertThat(me).isEqualTo(ClusterNodes.THIS_NODE);
        assertThat(view.get("head").asLong()).isGreaterThanOrEqualTo(-1);
        JsonNode node = find(view.get("nodes"), "id", me);
        assertThat(node.get("live").asBoolean()).isTrue();
        assertThat(node.get("segments").asInt()).isPositive();

        JsonNode taskViews = find(view.get("processors"), "name", "task-views");
        assertThat(taskViews.get("segments").asInt()).isEqualTo(2);
        assertThat(taskViews.get("lag").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(taskViews.get("claims")).hasSize(2).allSatisfy(claim -> {
            assertThat(claim.get("owner").asText()).isEqualTo(me);
            assertThat(claim.get("mask").asInt()).isEqualTo(1);
        });
        assertThat(view.get("scheduledWaiting").asLong()).isGreaterThanOrEqualTo(0);

        JsonNode openApi = api.get("/v3/api-docs", null).json();
        assertThat(openApi.at("/paths/~1api~1admin~1cluster/get").isMissingNode()).as("the route is published").isFalse();
        assertThat(openApi.at("/components/schemas/ClusterView/properties").fieldNames())
                .toIterable().contains("thisNode", "nodes", "processors", "scheduledWaiting");
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode item : array) {
            if (value.equals(item.path(field).asText())) {
                return item;
            }
        }
        throw new AssertionError("no " + field + "=" + value + " in " + array);
    }
}
