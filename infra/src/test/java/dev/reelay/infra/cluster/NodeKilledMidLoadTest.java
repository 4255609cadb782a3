package dev.reelay.infra.cluster;

import dev.reelay.infra.consistency.SecondNode;
import dev.reelay.kernel.event.UpstreamTaskAccepted;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.infra.support.S3CompatibleServer;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okio.Buffer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node killed with SIGKILL while its upstream creates are in flight (issue 15, item 3 and its CI test). Two nodes on
 * one database and one S3 bucket: node A is this test's application, node B a JVM of its own (only a separate process
 * can be killed, and two contexts in one JVM would share Axon's node id). Both call one fake provider in the OpenAI
 * Videos format over real HTTP, node A under {@code /a/v1} and node B under {@code /b/v1}, so the fake knows who called.
 * The fake answers some creates with a 500 after it made the job (the answer is lost, the job exists), some with a 429
 * and {@code Retry-After: 1}, and some status calls with a 500.
 * <p>
 * First a batch runs to completion on both nodes (so node B archives some content), then the fake holds every create
 * node B sends (making the job, as a provider that got the request would) and node B is killed while they hang. Node A
 * must finish every task with the one job its idempotency key made, resend what node B had in flight within 30 s
 * (node timeout 5 s, takeover check 2 s; the watchdog stays at its 2 minutes), and serve every task's content from the
 * bucket.
 */
@ReelayIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeKilledMidLoadTest {

    private static final Logger log = LoggerFactory.getLogger(NodeKilledMidLoadTest.class);
    static final Fake FAKE = new Fake();
    static final String TASK = "{\"prompt\":\"a fox outliving a node\",\"model\":\"sora-2\",\"seconds\":4}";
    static final int LIMIT = 3;
    static final Duration TAKEOVER_WITHIN = Duration.ofSeconds(30);

    @DynamicPropertySource
    static void nodeA(DynamicPropertyRegistry registry) {
        S3CompatibleServer.register(registry);
        for (String[] setting : settings("a")) {
            registry.add(setting[0], () -> setting[1]);
        }
    }

    /** What both nodes run with; only the provider's path prefix differs. */
    static List<String[]> settings(String node) {
        String p = "reelay.providers[0].";
        return List.of(new String[]{"reelay.sandbox.enabled", "false"},
                new String[]{p + "id", "fake"}, new String[]{p + "format", "openai-videos"},
                new String[]{p + "base-url", "http://127.0.0.1:" + FAKE.server.getPort() + "/" + node + "/v1"},
                new String[]{p + "api-key", "kill-key"}, new String[]{p + "models[0]", "sora-2"},
                new String[]{p + "poll-initial", "300ms"}, new String[]{p + "poll-min", "200ms"},
                new String[]{p + "poll-max", "500ms"},
                new String[]{"reelay.rate-limit.per-user.burst", String.valueOf(LIMIT)},
                new String[]{"reelay.rate-limit.per-user.refill-per-minute", "1"},
                // a dead node's rounds are handed on at the takeover check, long before the (default) watchdog
                new String[]{"reelay.upstream.submission-watchdog", "2m"},
                new String[]{"reelay.upstream.takeover-check", "2s"},
                new String[]{"reelay.cluster.heartbeat", "1s"}, new String[]{"reelay.cluster.node-timeout", "5s"});
    }

    @LocalServerPort
    int port;
    @Autowired
    Environment environment;
    @Autowired
    JdbcTemplate jdbc;

    SecondNode second;

    @BeforeAll
    void startNodeB() throws IOException {
        List<String> arguments = new ArrayList<>(List.of("--reelay.content-store.type=s3",
                "--reelay.content-store.s3.endpoint=" + S3CompatibleServer.endpoint(),
                "--reelay.content-store.s3.bucket=" + S3CompatibleServer.BUCKET,
                "--reelay.content-store.s3.path-style=true",
                "--reelay.content-store.s3.access-key-id=" + S3CompatibleServer.ACCESS_KEY_ID,
                "--reelay.content-store.s3.secret-access-key=" + S3CompatibleServer.SECRET_ACCESS_KEY));
        settings("b").forEach(s -> arguments.add("--" + s[0] + "=" + s[1]));
        second = SecondNode.beside(environment, arguments.toArray(String[]::new));
    }

    @AfterAll
    void stop() throws IOException {
        FAKE.releaseHeld();
        if (second != null) {
            second.close();
        }
        FAKE.server.shutdown();
    }

    @Test
    void aNodeKilledWithCreatesInFlightLeavesEveryTaskDoneOnceAndServedByTheOther() {
        awaitWorkSharedByBothNodes();
        HttpApi nodeA = new HttpApi(port);
        HttpApi nodeB = new HttpApi(second.port());
        List<Task> tasks = new ArrayList<>();

        // the create limit is one bucket for both nodes: spent on A, refused on B and on A alike
        String limited = nodeA.token("kill-limited");
        for (int i = 0; i < LIMIT; i++) {
            tasks.add(create(nodeA, limited));
        }
        HttpApi.Response onB = nodeB.postJson("/api/video/tasks", limited, TASK);
        assertThat(onB.status()).as(onB.body()).isEqualTo(429);
        assertThat(onB.json().at("/code").asText()).isEqualTo("RATE_LIMITED");
        assertThat(onB.header("Retry-After")).isNotBlank();
        assertThat(nodeA.postJson("/api/video/tasks", limited, TASK).status()).isEqualTo(429);

        // a first batch over both nodes runs to the end: each node's saga and archiver do their share
        List<String> users = new ArrayList<>();
        for (int u = 0; u < 10; u++) {
            users.add(nodeA.token("kill-user-" + u));
        }
        for (int i = 0; i < 10; i++) {
            tasks.add(create(i % 2 == 0 ? nodeA : nodeB, users.get(i)));
        }
        awaitCompleted(nodeA, tasks, Duration.ofSeconds(60));
        awaitArchived(tasks);
        assertThat(FAKE.contentReadsBy.keySet()).as("both nodes archived content (read it from the provider)")
                .containsExactlyInAnyOrder("a", "b");

        // the second batch: every create node B sends hangs at the provider, which made the job all the same
        FAKE.holdCreatesFrom("b");
        List<Task> inFlight = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            inFlight.add(create(i % 2 == 0 ? nodeB : nodeA, users.get(i % users.size())));
        }
        tasks.addAll(inFlight);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                inFlight.stream().allMatch(t -> FAKE.jobs.containsKey(t.videoId())));
        Set<String> heldOnB = Set.copyOf(FAKE.held);
        assertThat(heldOnB).as("node B has creates in flight when it is killed").isNotEmpty();

        long killedAt = System.nanoTime();
        second.kill();
        FAKE.releaseHeld(); // the answers go to a dead socket

        // what was in flight on node B goes out again from node A, with the same key, well before the watchdog
        Map<String, Long> resubmittedAfterMs = new ConcurrentHashMap<>();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            for (String key : heldOnB) {
                FAKE.creates.stream().filter(c -> key.equals(c.key()) && c.node().equals("a") && c.nanos() > killedAt)
                        .findFirst().ifPresent(c -> resubmittedAfterMs.put(key, (c.nanos() - killedAt) / 1_000_000));
            }
            assertThat(resubmittedAfterMs.keySet()).as("node A sent each create node B had in flight")
                    .containsExactlyInAnyOrderElementsOf(heldOnB);
        });
        log.info("node B was killed with {} creates in flight; node A sent them again {} ms after the kill",
                heldOnB.size(), resubmittedAfterMs.values().stream().sorted().toList());
        assertThat(resubmittedAfterMs.values()).as("taken over within 30 s of the kill, not after the 2 min watchdog")
                .allSatisfy(ms -> assertThat(ms).isLessThan(TAKEOVER_WITHIN.toMillis()));

        awaitCompleted(nodeA, tasks, Duration.ofSeconds(120));

        // every task has exactly one upstream job, the one its idempotency key made, and is bound to it
        assertThat(FAKE.creates).as("every create carries its task's id as the idempotency key")
                .allSatisfy(c -> assertThat(c.key()).isNotNull());
        assertThat(FAKE.jobs.keySet()).as("one job per task, no other")
                .containsExactlyInAnyOrderElementsOf(tasks.stream().map(Task::videoId).toList());
        for (Task task : tasks) {
            String bound = nodeA.get("/api/video/tasks/" + task.videoId(), task.token()).json().at("/data/externalTaskId").asText();
            assertThat(bound).as("the job of %s", task.videoId()).isEqualTo(FAKE.jobs.get(task.videoId()).id());
        }
        assertThat(jdbc.queryForList("select aggregate_identifier from domain_event_entry where payload_type = ? "
                + "group by aggregate_identifier having count(*) > 1", String.class, UpstreamTaskAccepted.class.getName()))
                .as("tasks accepted upstream more than once").isEmpty();

        assertThat(FAKE.creates.stream().map(Create::status).distinct().toList())
                .as("the provider's faults were met on the way").contains(429, 500);

        // the content is served by the node still standing, from the shared bucket (no new read at the provider)
        awaitArchived(tasks);
        int providerReads = FAKE.contentReads.get();
        for (Task task : tasks) {
            HttpApi.Response content = nodeA.get("/api/video/tasks/" + task.videoId() + "/content", task.token());
            assertThat(content.status()).as(task.videoId()).isEqualTo(200);
            assertThat(content.raw().body()).isEqualTo(Fake.bytesOf(FAKE.jobs.get(task.videoId()).id()));
        }
        assertThat(FAKE.contentReads.get()).as("content read from the provider while serving").isEqualTo(providerReads);
    }

    private void awaitWorkSharedByBothNodes() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                owners("upstream-saga").equals(List.of(2, 2)) && owners("content-archive").equals(List.of(1, 1)));
    }

    private List<Integer> owners(String processor) {
        return jdbc.queryForList("select count(*) from token_entry where processor_name = ? and owner is not null "
                + "group by owner order by 1", Integer.class, processor);
    }

    private static Task create(HttpApi node, String token) {
        HttpApi.Response created = node.postJson("/api/video/tasks", token, TASK);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return new Task(created.json().at("/data/videoId").asText(), token);
    }

    private void awaitCompleted(HttpApi node, List<Task> tasks, Duration within) {
        AtomicReference<List<String>> open = new AtomicReference<>(List.of());
        try {
            await().atMost(within).pollInterval(Duration.ofMillis(500)).until(() -> {
                open.set(open(node, tasks));
                return open.get().isEmpty();
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("tasks not completed within " + within + ": " + open.get().stream()
                    .map(this::history).collect(Collectors.joining("; ")) + "; provider calls: " + FAKE, e);
        }
    }

    private static List<String> open(HttpApi node, List<Task> tasks) {
        return tasks.stream().filter(t -> !node.get("/api/video/tasks/" + t.videoId(), t.token()).json()
                .at("/data/status").asText().equals("COMPLETED")).map(Task::videoId).toList();
    }

    /** What a task that did not finish went through, for the failure message: its events and its pending deadlines. */
    private String history(String videoId) {
        try {
            List<String> events = jdbc.queryForList("select substring(payload_type from '[^.]*$') || '@' || "
                    + "substring(time_stamp from 15 for 9) from domain_event_entry where aggregate_identifier = ? "
                    + "order by sequence_number", String.class, videoId);
            List<String> deadlines = jdbc.queryForList("select s.task_name || case when s.picked then ' picked by '"
                    + " || s.picked_by else '' end || ' due ' || to_char(s.execution_time, 'MI:SS.MS') from scheduled_tasks s "
                    + "join association_value_entry a on encode(s.task_data, 'escape') like '%' || a.saga_id || '%' "
                    + "where a.association_value = ?", String.class, videoId);
            return videoId + " " + events + " deadlines " + deadlines;
        } catch (RuntimeException e) {
            return videoId + " (no history: " + e.getMessage() + ")";
        }
    }

    private static void awaitArchived(List<Task> tasks) {
        try (S3Client s3 = S3CompatibleServer.client()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                List<String> missing = tasks.stream().map(Task::videoId).filter(id -> !archived(s3, id)).toList();
                assertThat(missing).as("tasks whose video is not in the bucket").isEmpty();
            });
        }
    }

    private static boolean archived(S3Client s3, String videoId) {
        try {
            s3.headObject(b -> b.bucket(S3CompatibleServer.BUCKET).key("archive/" + videoId + "/video"));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    record Task(String videoId, String token) {
    }

    record Create(long nanos, String node, String key, int status) {
    }

    record Job(String id, long createdNanos) {
    }

    /**
     * An OpenAI Videos provider that honours {@code Idempotency-Key}: the first create with a key makes the job, later
     * ones answer it. Jobs finish two seconds after they were made. Faults by task, counted in the order the keys first
     * arrive: the first create of every 7th task gets a 429 with {@code Retry-After: 1}, that of every 4th a 500 after
     * the job was made; every 6th status call gets a 500. A task meets at most one create fault, so how two nodes'
     * calls interleave cannot stack a task's retries onto faults until its round gives up (counted by arrival, a busy
     * machine once did that to one task: 500, 500, 429, 500).
     */
    static final class Fake extends Dispatcher {
        static final long JOB_MS = 2_000;

        final MockWebServer server = new MockWebServer();
        final Map<String, Job> jobs = new ConcurrentHashMap<>();
        final List<Create> creates = new CopyOnWriteArrayList<>();
        final Set<String> held = ConcurrentHashMap.newKeySet();
        final Map<String, AtomicInteger> contentReadsBy = new ConcurrentHashMap<>();
        final AtomicInteger contentReads = new AtomicInteger();
        private final Map<String, String> keyOfJob = new ConcurrentHashMap<>();
        private final AtomicInteger keyCount = new AtomicInteger();
        private final Map<String, Integer> ordinalOfKey = new ConcurrentHashMap<>();
        private final Set<String> seenKeys = ConcurrentHashMap.newKeySet();
        private final AtomicInteger retrieveCount = new AtomicInteger();
        private final AtomicInteger jobCount = new AtomicInteger();
        private final CountDownLatch release = new CountDownLatch(1);
        private volatile String holdFrom;

        Fake() {
            server.setDispatcher(this);
            try {
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void holdCreatesFrom(String node) {
            holdFrom = node;
        }

        void releaseHeld() {
            holdFrom = null;
            release.countDown();
        }

        static byte[] bytesOf(String jobId) {
            return ("not really an mp4: " + jobId + "\n").repeat(64).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            String full = request.getPath() == null ? "" : request.getPath();
            String node = full.length() > 2 ? full.substring(1, 2) : "?";
            String path = full.length() > 2 ? full.substring(2) : full;
            String method = request.getMethod();
            if ("POST".equals(method) && path.equals("/v1/videos")) {
                return create(node, request.getHeader("Idempotency-Key"));
            }
            if ("GET".equals(method) && path.startsWith("/v1/videos/") && path.contains("/content")) {
                String id = path.substring("/v1/videos/".length(), path.indexOf("/content"));
                if (!path.endsWith("variant=video") || !keyOfJob.containsKey(id)) {
                    return json(404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such variant\"}}");
                }
                contentReads.incrementAndGet();
                contentReadsBy.computeIfAbsent(node, n -> new AtomicInteger()).incrementAndGet();
                return new MockResponse().setResponseCode(200).setHeader("Content-Type", "video/mp4")
                        .setBody(new Buffer().write(bytesOf(id)));
            }
            if ("GET".equals(method) && path.startsWith("/v1/videos/")) {
                String id = path.substring("/v1/videos/".length());
                String key = keyOfJob.get(id);
                if (key == null) {
                    return json(404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such video\"}}");
                }
                if (retrieveCount.incrementAndGet() % 6 == 0) {
                    return json(500, "{\"error\":{\"code\":\"server_error\",\"message\":\"status hiccup\"}}");
                }
                return video(jobs.get(key));
            }
            return json(404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such route\"}}");
        }

        private MockResponse create(String node, String key) throws InterruptedException {
            long at = System.nanoTime();
            if (key == null) {
                creates.add(new Create(at, node, null, 400));
                return json(400, "{\"error\":{\"code\":\"missing_idempotency_key\",\"message\":\"send one\"}}");
            }
            boolean first = seenKeys.add(key);
            int n = ordinalOfKey.computeIfAbsent(key, k -> keyCount.incrementAndGet());
            if (node.equals(holdFrom)) {
                Job job = jobs.computeIfAbsent(key, this::newJob);
                held.add(key);
                creates.add(new Create(at, node, key, 0));
                release.await(120, TimeUnit.SECONDS);
                return video(job);
            }
            if (first && n % 7 == 0) {
                creates.add(new Create(at, node, key, 429));
                return json(429, "{\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"slow down\"}}")
                        .setHeader("Retry-After", "1");
            }
            Job job = jobs.computeIfAbsent(key, this::newJob);
            if (first && n % 4 == 0) {
                creates.add(new Create(at, node, key, 500));
                return json(500, "{\"error\":{\"code\":\"server_error\",\"message\":\"the answer got lost\"}}");
            }
            creates.add(new Create(at, node, key, 200));
            return video(job);
        }

        private Job newJob(String key) {
            Job job = new Job("vid_kill_" + jobCount.incrementAndGet(), System.nanoTime());
            keyOfJob.put(job.id(), key);
            return job;
        }

        private static MockResponse video(Job job) {
            long elapsed = (System.nanoTime() - job.createdNanos()) / 1_000_000;
            boolean done = elapsed >= JOB_MS;
            return json(200, "{\"id\":\"" + job.id() + "\",\"object\":\"video\",\"model\":\"sora-2\",\"status\":\""
                    + (done ? "completed" : "in_progress") + "\",\"progress\":" + (done ? 100 : elapsed * 100 / JOB_MS)
                    + ",\"size\":\"720x1280\",\"seconds\":\"4\"}");
        }

        private static MockResponse json(int status, String body) {
            return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json").setBody(body);
        }

        @Override
        public String toString() {
            return creates.stream().map(c -> c.node() + ":" + c.key() + ":" + c.status()).collect(Collectors.joining(", "));
        }
    }
}
