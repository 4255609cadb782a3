package dev.reelay.infra.lineage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.command.upstream.UpstreamSaga;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.task.Lineage;
import dev.reelay.kernel.task.LineageKind;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventProcessor;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Paging through a large lineage: {@code maxNodes}, {@code maxDepth} and the {@code after} cursor. One tree of 120
 * tasks is published straight to the event store (as the 1,000-deep chain in {@link LineageTest}), with siblings
 * sharing a submission time so the id decides their order, and one branch owned by someone else. (Same properties as
 * LineageTest and StatsTest, so all three share one context.)
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.sandbox.enabled=false", "reelay.providers[0].id=none",
        "reelay.providers[0].format=openai-videos", "reelay.providers[0].base-url=http://127.0.0.1:9",
        "reelay.providers[0].models=nothing", "reelay.retention.completed=36500d", "reelay.retention.failed=36500d",
        "reelay.retention.cancelled=36500d"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LineagePagingTest {

    private static final String ERIN = "paging-erin";
    private static final String FRANK = "paging-frank";
    private static final int TREE_SIZE = 120;

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    EventStore eventStore;
    @Autowired
    EventProcessingConfiguration processing;
    @Autowired
    TransactionTemplate transactions;

    /** A task of the published tree, as the test knows it. */
    record Task(String id, String owner, String parent, int depth, Instant createdAt) {
    }

    private final Map<String, Task> tree = new LinkedHashMap<>();
    private String root;
    /** Frank's task in erin's tree, and erin's task remixed from it: both hidden from erin's view of the tree. */
    private String franksTask;
    private String erinBelowFrank;

    HttpApi api() {
        return new HttpApi(port);
    }

    @BeforeEach
    void noUpstreamAndATree() {
        processing.eventProcessor(UpstreamSaga.GROUP).ifPresent(EventProcessor::shutDown);
        if (root != null) {
            return;
        }
        // a random tree (fixed seed): each task remixes one of the tasks before it; siblings often share a time
        Random random = new Random(42);
        Instant start = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(3600);
        List<String> ids = new ArrayList<>();
        List<EventMessage<?>> events = new ArrayList<>();
        for (int i = 0; i < TREE_SIZE; i++) {
            Task parent = i == 0 ? null : tree.get(ids.get(random.nextInt(Math.min(i, 40))));
            String owner = ERIN;
            if (i == 50) { // frank's remix of one of erin's tasks, and erin's remix of frank's (as an admin could make)
                owner = FRANK;
                parent = tree.get(ids.get(3));
            } else if (i == 51) {
                parent = tree.get(ids.get(50));
            }
            VideoId id = VideoId.random();
            Instant at = start.plusSeconds(random.nextInt(4) + i / 10);
            Task task = new Task(id.value(), owner, parent == null ? null : parent.id(), parent == null ? 0 : parent.depth() + 1, at);
            Lineage lineage = parent == null ? null
                    : new Lineage(LineageKind.REMIX, new VideoId(parent.id()), new VideoId(ids.get(0)), task.depth());
            events.add(new GenericDomainEventMessage<>("VideoTask", id.value(), 0L, new TaskSubmitted(id, owner,
                    new TaskSpec("paging " + i, "sora-2", "720x1280", 4, MediaType.VIDEO, null), lineage, at)));
            tree.put(task.id(), task);
            ids.add(task.id());
        }
        franksTask = ids.get(50);
        erinBelowFrank = ids.get(51);
        transactions.executeWithoutResult(status -> eventStore.publish(events));
        String last = ids.get(TREE_SIZE - 1);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(jdbc.queryForObject("select count(*) from task_lineage where ancestor_id = ?", Integer.class, ids.get(0)))
                    .isEqualTo(TREE_SIZE);
            assertThat(jdbc.queryForObject("select count(*) from task_view where root_id = ?", Integer.class, ids.get(0)))
                    .isEqualTo(TREE_SIZE);
            assertThat(jdbc.queryForObject("select count(*) from task_view where video_id = ?", Integer.class, last)).isOne();
        });
        root = ids.get(0);
    }

    // ---------------------------------------------------------------- what the tree should look like

    private boolean isBelow(Task task, String ancestor) {
        for (Task t = task; t != null; t = t.parent() == null ? null : tree.get(t.parent())) {
            if (t.id().equals(ancestor)) {
                return true;
            }
        }
        return false;
    }

    /** The tasks of {@code from}'s subtree a viewer sees (null: an admin, who sees all), breadth first, oldest first, by id. */
    private List<String> expected(String from, String viewer, int maxDepth) {
        int base = tree.get(from).depth();
        return tree.values().stream()
                .filter(t -> isBelow(t, from) && t.depth() - base <= maxDepth)
                .filter(t -> viewer == null || pathOwnedBy(t, from, viewer))
                .sorted(Comparator.comparingInt(Task::depth).thenComparing(Task::createdAt).thenComparing(Task::id))
                .map(Task::id)
                .toList();
    }

    private boolean pathOwnedBy(Task task, String from, String owner) {
        for (Task t = task; ; t = tree.get(t.parent())) {
            if (!t.owner().equals(owner)) {
                return false;
            }
            if (t.id().equals(from)) {
                return true;
            }
        }
    }

    // ---------------------------------------------------------------- reading it

    private JsonNode ok(String path, String token) {
        HttpApi.Response response = api().get(path, token);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode body = response.json();
        assertThat(body.get("success").asBoolean()).isTrue();
        return body.get("data");
    }

    /** The tasks of a first page's nested tree, breadth first as the server orders them (children are oldest first). */
    private static List<JsonNode> breadthFirst(JsonNode top) {
        List<JsonNode> nodes = new ArrayList<>();
        Deque<JsonNode> queue = new ArrayDeque<>(List.of(top));
        while (!queue.isEmpty()) {
            JsonNode node = queue.poll();
            nodes.add(node);
            node.get("children").forEach(queue::add);
        }
        return nodes;
    }

    /** Every page of a subtree, in order, checking each page's own promises on the way; the ids in the order given. */
    private List<String> pageThrough(String from, String token, String params, int maxNodes) {
        String base = "/api/video/tasks/" + from + "/lineage?maxNodes=" + maxNodes + params;
        JsonNode first = ok(base, token);
        List<JsonNode> nodes = breadthFirst(first.get("descendants"));
        assertThat(first.get("videoId").asText()).isEqualTo(from);
        assertThat(first.get("root").asText()).isEqualTo(root);
        assertThat(first.get("ancestors").isArray()).isTrue();
        Map<String, Integer> depthOf = new HashMap<>();
        // the nested tree is breadth-first-sorted by depth; within a level, parents' order then age: re-sort as the server pages
        List<String> seen = new ArrayList<>();
        nodes.stream().sorted(Comparator.comparingInt((JsonNode n) -> n.get("depth").asInt())
                        .thenComparing(n -> tree.get(n.get("videoId").asText()).createdAt())
                        .thenComparing(n -> n.get("videoId").asText()))
                .forEach(n -> {
                    seen.add(n.get("videoId").asText());
                    depthOf.put(n.get("videoId").asText(), n.get("depth").asInt());
                });
        assertThat(nodes).hasSizeLessThanOrEqualTo(maxNodes);
        JsonNode page = first;
        int pages = 1;
        while (page.get("truncated").asBoolean()) {
            String cursor = page.get("nextCursor").asText();
            assertThat(cursor).isNotBlank();
            page = ok(base + "&after=" + cursor, token);
            pages++;
            assertThat(page.get("videoId").asText()).isEqualTo(from);
            assertThat(page.has("ancestors")).as("ancestors come with the first page only").isFalse();
            JsonNode list = page.get("nodes");
            assertThat(list.size()).isLessThanOrEqualTo(maxNodes);
            for (JsonNode node : list) {
                String id = node.get("videoId").asText();
                String parent = node.get("parent").asText();
                assertThat(depthOf).as("a task's source came on an earlier page or earlier on this one").containsKey(parent);
                assertThat(node.get("depth").asInt()).isEqualTo(depthOf.get(parent) + 1);
                assertThat(node.get("kind").asText()).isEqualTo("remix");
                assertThat(node.get("prompt").asText()).startsWith("paging ");
                assertThat(node.get("status").asText()).isEqualTo("QUEUED");
                depthOf.put(id, node.get("depth").asInt());
                seen.add(id);
            }
            assertThat(pages).as("pages end").isLessThanOrEqualTo(TREE_SIZE + 1);
        }
        assertThat(page.has("nextCursor")).as("the last page has no cursor").isFalse();
        return seen;
    }

    // ---------------------------------------------------------------- tests

    @Test
    void pagingThroughATreeYieldsEveryVisibleTaskExactlyOnceBreadthFirst() {
        String erin = api().token(ERIN);
        List<String> all = expected(root, ERIN, Integer.MAX_VALUE);
        assertThat(all).hasSizeBetween(TREE_SIZE - 20, TREE_SIZE - 2).doesNotContain(franksTask, erinBelowFrank);
        for (int maxNodes : List.of(1, 7, 50, 10_000)) {
            List<String> paged = pageThrough(root, erin, "", maxNodes);
            assertThat(paged).as("maxNodes=" + maxNodes).containsExactlyElementsOf(all);
            assertThat(new HashSet<>(paged)).hasSameSizeAs(paged);
        }
        // from a task in the middle of the tree: depths relative to it, the same order
        String middle = largestBranch();
        assertThat(expected(middle, ERIN, Integer.MAX_VALUE)).hasSizeGreaterThan(5);
        assertThat(pageThrough(middle, erin, "", 4)).containsExactlyElementsOf(expected(middle, ERIN, Integer.MAX_VALUE));
    }

    @Test
    void anAdminPagesThroughEveryOwnersTasks() {
        String admin = api().token("paging-admin", "admin");
        List<String> all = expected(root, null, Integer.MAX_VALUE);
        assertThat(all).hasSize(TREE_SIZE).contains(franksTask, erinBelowFrank);
        assertThat(pageThrough(root, admin, "", 9)).containsExactlyElementsOf(all);
    }

    @Test
    void maxDepthLimitsTheLevelsBelowTheTask() {
        String erin = api().token(ERIN);
        for (int maxDepth : List.of(0, 1, 2)) {
            assertThat(pageThrough(root, erin, "&maxDepth=" + maxDepth, 5)).as("maxDepth=" + maxDepth)
                    .containsExactlyElementsOf(expected(root, ERIN, maxDepth));
        }
        JsonNode onlyTheTask = ok("/api/video/tasks/" + root + "/lineage?maxDepth=0", erin);
        assertThat(onlyTheTask.at("/descendants/videoId").asText()).isEqualTo(root);
        assertThat(onlyTheTask.at("/descendants/children")).isEmpty();
        assertThat(onlyTheTask.get("truncated").asBoolean()).isFalse();
    }

    @Test
    void withoutParametersTheWholeTreeComesAsBeforeWithNoCursor() {
        String erin = api().token(ERIN);
        JsonNode whole = ok("/api/video/tasks/" + root + "/lineage", erin);
        assertThat(whole.get("truncated").asBoolean()).isFalse();
        assertThat(whole.has("nextCursor")).isFalse();
        List<String> ids = breadthFirst(whole.get("descendants")).stream().map(n -> n.get("videoId").asText()).toList();
        assertThat(ids).containsExactlyInAnyOrderElementsOf(expected(root, ERIN, Integer.MAX_VALUE));
        // children oldest first (then by id), each under its own source
        Set<String> checked = new HashSet<>();
        Deque<JsonNode> queue = new ArrayDeque<>(List.of(whole.get("descendants")));
        while (!queue.isEmpty()) {
            JsonNode node = queue.poll();
            List<String> children = new ArrayList<>();
            node.get("children").forEach(c -> {
                children.add(c.get("videoId").asText());
                assertThat(tree.get(c.get("videoId").asText()).parent()).isEqualTo(node.get("videoId").asText());
                queue.add(c);
            });
            assertThat(children).isSortedAccordingTo(Comparator.comparing((String c) -> tree.get(c).createdAt())
                    .thenComparing(Comparator.naturalOrder()));
            checked.add(node.get("videoId").asText());
        }
        assertThat(checked).hasSize(ids.size());

        // one task: truncated with a cursor
        JsonNode one = ok("/api/video/tasks/" + root + "/lineage?maxNodes=1", erin);
        assertThat(one.at("/descendants/children")).isEmpty();
        assertThat(one.get("truncated").asBoolean()).isTrue();
        assertThat(one.get("nextCursor").asText()).isNotBlank();
    }

    @Test
    void othersTasksStayHiddenOnEveryPage() {
        String erin = api().token(ERIN);
        String frank = api().token(FRANK);
        // frank's task is in erin's tree, but not erin's to read, nor is erin's task below it
        for (String hidden : List.of(franksTask, erinBelowFrank)) {
            assertThat(pageThrough(root, erin, "", 3)).doesNotContain(hidden);
        }
        // erin's tree is not frank's: a 404 however it is asked for
        for (String query : List.of("", "?maxNodes=5", "?maxDepth=1", "?maxNodes=1&after=" + firstCursor(root, erin))) {
            HttpApi.Response asFrank = api().get("/api/video/tasks/" + root + "/lineage" + query, frank);
            assertThat(asFrank.status()).as(query).isEqualTo(404);
            assertThat(asFrank.json().get("code").asText()).isEqualTo("TASK_NOT_FOUND");
        }
        // frank sees his own task, and not erin's remix of it
        assertThat(pageThrough(franksTask, frank, "", 1)).containsExactly(franksTask);
        HttpApi.Response erinOnFranks = api().get("/api/video/tasks/" + franksTask + "/lineage?maxNodes=1", erin);
        assertThat(erinOnFranks.status()).isEqualTo(404);
        // erin's own task below frank's: hers, so she may ask for it; frank's ancestor is left out of its ancestors
        JsonNode below = ok("/api/video/tasks/" + erinBelowFrank + "/lineage?maxNodes=1", erin);
        List<String> ancestors = new ArrayList<>();
        below.get("ancestors").forEach(a -> ancestors.add(a.get("videoId").asText()));
        assertThat(ancestors).doesNotContain(franksTask).contains(root);
    }

    /** The remix of the root with the most of erin's tasks below it. */
    private String largestBranch() {
        return tree.values().stream().filter(t -> t.depth() == 1)
                .max(Comparator.comparingInt(t -> expected(t.id(), ERIN, Integer.MAX_VALUE).size())).orElseThrow().id();
    }

    private String firstCursor(String from, String token) {
        return ok("/api/video/tasks/" + from + "/lineage?maxNodes=1", token).get("nextCursor").asText();
    }

    @Test
    void badParametersAreProblemsNamingTheField() {
        String erin = api().token(ERIN);
        String lineage = "/api/video/tasks/" + root + "/lineage";
        String otherTasksCursor = firstCursor(largestBranch(), erin);
        Map<String, String> fieldOf = new LinkedHashMap<>();
        fieldOf.put("?maxNodes=0", "maxNodes");
        fieldOf.put("?maxNodes=-3", "maxNodes");
        fieldOf.put("?maxNodes=10001", "maxNodes");
        fieldOf.put("?maxDepth=-1", "maxDepth");
        fieldOf.put("?after=not-a-cursor", "after");
        fieldOf.put("?after=bm90OmEgY3Vyc29y", "after"); // "not:a cursor", base64
        fieldOf.put("?after=" + otherTasksCursor, "after"); // another task's lineage
        for (var bad : fieldOf.entrySet()) {
            HttpApi.Response response = api().get(lineage + bad.getKey(), erin);
            assertThat(response.status()).as(bad.getKey() + " " + response.body()).isEqualTo(422);
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.json().get("code").asText()).isEqualTo("VALIDATION_FAILED");
            assertThat(response.json().at("/errors/0/field").asText()).as(bad.getKey()).isEqualTo(bad.getValue());
        }
        for (String notANumber : List.of("?maxNodes=many", "?maxDepth=1.5")) {
            HttpApi.Response response = api().get(lineage + notANumber, erin);
            assertThat(response.status()).as(notANumber + " " + response.body()).isEqualTo(400);
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.json().at("/errors/0/field").asText()).isEqualTo(notANumber.substring(1, notANumber.indexOf('=')));
        }
    }
}
