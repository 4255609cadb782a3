package dev.reelay.infra.lineage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.command.upstream.UpstreamSaga;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.kernel.command.CompleteTask;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.task.Lineage;
import dev.reelay.kernel.task.LineageKind;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventProcessor;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The lineage closure table and its route. The upstream saga is stopped (and no provider serves any model the tests
 * use), so nothing fails a task behind the test's back: a source stays QUEUED until the test completes it through the
 * command bus, and can then be remixed over REST. (The properties are StatsTest's too, so both share one context.)
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.sandbox.enabled=false", "reelay.providers[0].id=none",
        "reelay.providers[0].format=openai-videos", "reelay.providers[0].base-url=http://127.0.0.1:9",
        "reelay.providers[0].models=nothing", "reelay.retention.completed=36500d", "reelay.retention.failed=36500d",
        "reelay.retention.cancelled=36500d"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LineageTest {

    private static final String ROWS = "select ancestor_id, descendant_id, depth, created_at, owner, owner_path from task_lineage "
            + "order by ancestor_id, descendant_id";
    /** The deep tree nests two JSON levels per task: more than Jackson reads by default. */
    private static final ObjectMapper DEEP_JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(10_000).build()).build());

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CommandGateway commands;
    @Autowired
    EventStore eventStore;
    @Autowired
    EventProcessingConfiguration processing;
    @Autowired
    TransactionTemplate transactions;

    HttpApi api() {
        return new HttpApi(port);
    }

    @BeforeEach
    void noUpstream() {
        processing.eventProcessor(UpstreamSaga.GROUP).ifPresent(EventProcessor::shutDown);
        assertThat(processing.eventProcessor(UpstreamSaga.GROUP).map(EventProcessor::isRunning)).contains(false);
    }

    // ---------------------------------------------------------------- helpers

    private String submit(String token, String prompt) {
        HttpApi.Response created = api().postJson("/api/video/tasks", token,
                "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }

    private void complete(String videoId) {
        commands.sendAndWait(new CompleteTask(new VideoId(videoId), "https://provider.example/v/" + videoId,
                Instant.now().plusSeconds(3600), 4, "720x1280", Instant.now()));
    }

    private String remix(String token, String source, String prompt) {
        HttpApi.Response remix = api().postJson("/api/video/tasks/" + source + "/remix", token, "{\"prompt\":\"" + prompt + "\"}");
        assertThat(remix.status()).as(remix.body()).isEqualTo(201);
        return remix.json().at("/data/videoId").asText();
    }

    private JsonNode lineage(String videoId, String token) {
        HttpApi.Response response = api().get("/api/video/tasks/" + videoId + "/lineage", token);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        try {
            JsonNode body = DEEP_JSON.readTree(response.body());
            assertThat(body.get("success").asBoolean()).isTrue();
            assertThat(body.get("requestTime").isNumber()).isTrue();
            return body.get("data");
        } catch (IOException e) {
            throw new AssertionError(response.body(), e);
        }
    }

    private static String node(String videoId, String kind, int depth, String status, String prompt, String... children) {
        return "{\"videoId\":\"" + videoId + "\",\"kind\":\"" + kind + "\",\"depth\":" + depth + ",\"status\":\"" + status
                + "\",\"prompt\":\"" + prompt + "\",\"children\":[" + String.join(",", children) + "]}";
    }

    private static String ancestor(String videoId, String kind, int depth, String status, String prompt) {
        return "{\"videoId\":\"" + videoId + "\",\"kind\":\"" + kind + "\",\"depth\":" + depth + ",\"status\":\"" + status
                + "\",\"prompt\":\"" + prompt + "\"}";
    }

    private static JsonNode json(String text) {
        try {
            return DEEP_JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(text, e);
        }
    }

    // ---------------------------------------------------------------- tests

    @Test
    @Order(1)
    void aSmallTreeHasItsExactShapeAndIsScopedToItsOwner() {
        String alice = api().token("lineage-alice");
        String admin = api().token("lineage-admin", "admin");
        String root = submit(alice, "root clip");
        complete(root);
        String childOne = remix(alice, root, "child one");
        String childTwo = remix(alice, root, "child two");
        complete(childOne);
        String grandchild = remix(alice, childOne, "grandchild");
        complete(childTwo);
        String adminsRemix = remix(admin, childTwo, "admin remix"); // owned by the admin, not by alice

        String aliceTree = "{\"videoId\":\"" + root + "\",\"root\":\"" + root + "\",\"ancestors\":[],\"descendants\":"
                + node(root, "generation", 0, "COMPLETED", "root clip",
                node(childOne, "remix", 1, "COMPLETED", "child one",
                        node(grandchild, "remix", 2, "QUEUED", "grandchild")),
                node(childTwo, "remix", 1, "COMPLETED", "child two"))
                + ",\"truncated\":false}";
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(lineage(root, alice)).isEqualTo(json(aliceTree)));

        // the admin sees every owner's tasks, its own remix included
        String adminTree = "{\"videoId\":\"" + root + "\",\"root\":\"" + root + "\",\"ancestors\":[],\"descendants\":"
                + node(root, "generation", 0, "COMPLETED", "root clip",
                node(childOne, "remix", 1, "COMPLETED", "child one",
                        node(grandchild, "remix", 2, "QUEUED", "grandchild")),
                node(childTwo, "remix", 1, "COMPLETED", "child two",
                        node(adminsRemix, "remix", 2, "QUEUED", "admin remix")))
                + ",\"truncated\":false}";
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(lineage(root, admin)).isEqualTo(json(adminTree)));

        // from the grandchild: its ancestors root first, with their depth below the root; its subtree is itself
        assertThat(lineage(grandchild, alice)).isEqualTo(json("{\"videoId\":\"" + grandchild + "\",\"root\":\"" + root
                + "\",\"ancestors\":[" + ancestor(root, "generation", 0, "COMPLETED", "root clip") + ","
                + ancestor(childOne, "remix", 1, "COMPLETED", "child one") + "],\"descendants\":"
                + node(grandchild, "remix", 0, "QUEUED", "grandchild") + ",\"truncated\":false}"));
        // from a middle task: depths in the subtree are relative to it
        assertThat(lineage(childOne, alice).get("descendants")).isEqualTo(json(node(childOne, "remix", 0, "COMPLETED",
                "child one", node(grandchild, "remix", 1, "QUEUED", "grandchild"))));
        assertThat(lineage(adminsRemix, admin).get("ancestors")).isEqualTo(json("["
                + ancestor(root, "generation", 0, "COMPLETED", "root clip") + ","
                + ancestor(childTwo, "remix", 1, "COMPLETED", "child two") + "]"));

        // someone else's task is a 404, exactly like a missing one
        String bob = api().token("lineage-bob");
        for (String id : List.of(root, childOne, grandchild)) {
            HttpApi.Response asBob = api().get("/api/video/tasks/" + id + "/lineage", bob);
            assertThat(asBob.status()).isEqualTo(404);
            assertThat(asBob.json().get("code").asText()).isEqualTo("TASK_NOT_FOUND");
        }
        assertThat(api().get("/api/video/tasks/" + adminsRemix + "/lineage", alice).status()).isEqualTo(404);
        assertThat(api().get("/api/video/tasks/" + VideoId.random() + "/lineage", alice).status()).isEqualTo(404);
        assertThat(api().get("/api/video/tasks/not-an-id/lineage", alice).status()).isEqualTo(404);

        // the closure rows themselves: every (ancestor, descendant) pair of alice's tree, with its distance
        assertThat(jdbc.queryForList("select ancestor_id || '>' || descendant_id || ':' || depth from task_lineage "
                + "where descendant_id in (?, ?, ?, ?)", String.class, root, childOne, childTwo, grandchild))
                .containsExactlyInAnyOrder(root + ">" + root + ":0", childOne + ">" + childOne + ":0",
                        childTwo + ">" + childTwo + ":0", grandchild + ">" + grandchild + ":0",
                        root + ">" + childOne + ":1", root + ">" + childTwo + ":1", childOne + ">" + grandchild + ":1",
                        root + ">" + grandchild + ":2");
    }

    @Test
    @Order(2)
    void resettingAndReplayingTheLineageProcessorReproducesTheSameRows() {
        String carol = api().token("lineage-carol");
        String root = submit(carol, "replay root");
        complete(root);
        String child = remix(carol, root, "replay child");
        complete(child);
        String grandchild = remix(carol, child, "replay grandchild");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "select count(*) from task_lineage where descendant_id = ?", Integer.class, grandchild)).isEqualTo(3));

        List<Map<String, Object>> before = jdbc.queryForList(ROWS);
        assertThat(before).hasSizeGreaterThanOrEqualTo(6)
                .filteredOn(row -> row.get("ancestor_id").equals(root) && row.get("descendant_id").equals(grandchild))
                .singleElement()
                .satisfies(row -> assertThat(row).containsEntry("depth", 2).containsEntry("owner", "lineage-carol")
                        .containsEntry("owner_path", true).containsKey("created_at"));

        StreamingEventProcessor lineage = processing.eventProcessor("lineage", StreamingEventProcessor.class).orElseThrow();
        lineage.shutDown();
        try {
            assertThat(lineage.isRunning()).isFalse();
            lineage.resetTokens();
            assertThat(jdbc.queryForObject("select count(*) from task_lineage", Integer.class))
                    .as("the reset handler empties the table").isZero();
        } finally {
            lineage.start(); // whatever happened, later tests need the projection running
        }

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(jdbc.queryForList(ROWS)).isEqualTo(before));
        assertThat(lineage(grandchild, carol).get("ancestors")).hasSize(2);
    }

    @Test
    @Order(3)
    void aChainOfAThousandRemixesIsAnsweredWholeFromBothEnds() {
        String owner = "lineage-dave";
        String dave = api().token(owner);
        int depth = 1000;
        List<String> chain = new ArrayList<>();
        List<EventMessage<?>> events = new ArrayList<>();
        VideoId root = VideoId.random();
        Instant start = Instant.now();
        for (int i = 0; i <= depth; i++) {
            VideoId id = i == 0 ? root : VideoId.random();
            Lineage lineage = i == 0 ? null : new Lineage(LineageKind.REMIX, new VideoId(chain.get(i - 1)), root, i);
            TaskSubmitted submitted = new TaskSubmitted(id, owner,
                    new TaskSpec("step " + i, "sora-2", "720x1280", 4, MediaType.VIDEO, null), lineage, start.plusMillis(i));
            events.add(new GenericDomainEventMessage<>("VideoTask", id.value(), 0L, submitted));
            chain.add(id.value());
        }
        for (int from = 0; from < events.size(); from += 100) {
            List<EventMessage<?>> batch = events.subList(from, Math.min(from + 100, events.size()));
            transactions.executeWithoutResult(status -> eventStore.publish(batch));
        }
        String deepest = chain.get(depth);

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(jdbc.queryForObject("select count(*) from task_lineage where descendant_id = ?", Integer.class, deepest))
                    .isEqualTo(depth + 1);
            assertThat(jdbc.queryForObject("select count(*) from task_view where owner = ?", Integer.class, owner))
                    .isEqualTo(depth + 1);
        });
        // a chain of n tasks holds n(n+1)/2 closure rows
        assertThat(jdbc.queryForObject("select count(*) from task_lineage l join task_view v on v.video_id = l.descendant_id "
                + "where v.owner = ?", Long.class, owner)).isEqualTo((long) (depth + 1) * (depth + 2) / 2);

        long askedAt = System.nanoTime();
        JsonNode fromDeepest = lineage(deepest, dave);
        long ancestorsMs = (System.nanoTime() - askedAt) / 1_000_000;
        JsonNode ancestors = fromDeepest.get("ancestors");
        assertThat(ancestors).hasSize(depth);
        for (int i = 0; i < depth; i++) {
            assertThat(ancestors.get(i).get("videoId").asText()).isEqualTo(chain.get(i));
            assertThat(ancestors.get(i).get("depth").asInt()).isEqualTo(i);
        }
        assertThat(ancestors.get(0).get("kind").asText()).isEqualTo("generation");
        assertThat(ancestors.get(depth - 1).get("kind").asText()).isEqualTo("remix");
        assertThat(fromDeepest.get("root").asText()).isEqualTo(root.value());
        assertThat(fromDeepest.at("/descendants/children")).isEmpty();

        askedAt = System.nanoTime();
        JsonNode fromRoot = lineage(root.value(), dave);
        long subtreeMs = (System.nanoTime() - askedAt) / 1_000_000;
        assertThat(fromRoot.get("ancestors")).isEmpty();
        assertThat(fromRoot.get("truncated").asBoolean()).isFalse();
        JsonNode node = fromRoot.get("descendants");
        int level = 0;
        while (true) {
            assertThat(node.get("videoId").asText()).isEqualTo(chain.get(level));
            assertThat(node.get("depth").asInt()).isEqualTo(level);
            assertThat(node.get("prompt").asText()).isEqualTo("step " + level);
            JsonNode children = node.get("children");
            if (children.isEmpty()) {
                break;
            }
            assertThat(children).hasSize(1);
            node = children.get(0);
            level++;
        }
        assertThat(level).isEqualTo(depth);
        System.out.printf("lineage of a %d-deep chain: ancestors of the deepest in %d ms, subtree of the root in %d ms%n",
                depth, ancestorsMs, subtreeMs);
    }
}
