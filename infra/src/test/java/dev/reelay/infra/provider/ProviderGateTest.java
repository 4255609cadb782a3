package dev.reelay.infra.provider;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A provider's {@code Retry-After} and request-rate cap hold for the whole provider (ADR 0012): every task's calls,
 * and every node's, since the window is one row in PostgreSQL that a node reads before each call.
 */
@ReelayIntegrationTest
class ProviderGateTest {

    static final FakeProvider LIMITED = new FakeProvider();
    static final FakeProvider CAPPED = new FakeProvider();
    /** Time measured between a request's arrival at the fake and the next one: a few ms of jitter, never a second. */
    static final long SLACK_MS = 15;
    /**
     * The {@code Retry-After} of the refused create, in seconds: long enough that the window's row is seen open by the
     * test on a slow machine (it is written only after Reelay has read the 429).
     */
    static final int WINDOW_S = 4;
    /** How much later than its slot a call may land at the fake provider on this loaded 2-core machine. */
    static final long LANDING_MS = 250;

    @DynamicPropertySource
    static void providers(DynamicPropertyRegistry registry) {
        registry.add("reelay.sandbox.enabled", () -> "false");
        registry.add("reelay.content.archive-on-complete", () -> "false");
        registry.add("reelay.upstream.max-window-wait", () -> "3s");
        provider(registry, 0, "limited", LIMITED, "sora-2");
        provider(registry, 1, "capped", CAPPED, "sora-2-pro");
        registry.add("reelay.providers[1].max-requests-per-minute", () -> "120");
    }

    private static void provider(DynamicPropertyRegistry registry, int index, String id, FakeProvider fake, String model) {
        String p = "reelay.providers[" + index + "].";
        registry.add(p + "id", () -> id);
        registry.add(p + "format", () -> "openai-videos");
        registry.add(p + "base-url", () -> "http://127.0.0.1:" + fake.server.getPort() + "/v1");
        registry.add(p + "api-key", () -> "gate-test-key");
        registry.add(p + "models[0]", () -> model);
        registry.add(p + "poll-initial", () -> "300ms");
        registry.add(p + "poll-min", () -> "200ms");
        registry.add(p + "poll-max", () -> "500ms");
    }

    @AfterAll
    static void stop() throws IOException {
        LIMITED.server.shutdown();
        CAPPED.server.shutdown();
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ProviderGate gate;

    HttpApi api;
    String token;

    @BeforeEach
    void setUp() {
        api = new HttpApi(port);
        token = api.token("gate-user");
        LIMITED.seen.clear();
        CAPPED.seen.clear();
    }

    @Test
    void afterA429WithRetryAfterNoTaskCallsTheProviderBeforeTheWindowEnds() {
        LIMITED.rateLimitNextCreate(WINDOW_S);
        String first = submit("sora-2");
        await().atMost(Duration.ofSeconds(10)).until(() -> LIMITED.seen.stream().anyMatch(s -> s.status() == 429));
        long refusedAt = LIMITED.seen.stream().filter(s -> s.status() == 429).findFirst().orElseThrow().nanos();
        // the window holds from the moment Reelay has read the 429 (the fake saw it go out a little earlier)
        await().atMost(Duration.ofSeconds(WINDOW_S)).pollInterval(Duration.ofMillis(10)).until(() -> jdbc.queryForObject(
                "select count(*) from provider_gate where provider_id = 'limited' and not_before > now()", Integer.class) == 1);
        String second = submit("sora-2");
        String third = submit("sora-2");

        for (String videoId : List.of(first, second, third)) {
            awaitStatus(videoId, "PROCESSING");
        }
        List<Seen> after = LIMITED.seen.stream().filter(s -> s.nanos() > refusedAt).toList();
        assertThat(after).as("the three creates and their polls").hasSizeGreaterThanOrEqualTo(3);
        assertThat(after).allSatisfy(s -> assertThat((s.nanos() - refusedAt) / 1_000_000)
                .as("%s %s after the 429", s.method(), s.path()).isGreaterThanOrEqualTo(WINDOW_S * 1000L - SLACK_MS));
        assertThat(LIMITED.seen.stream().filter(s -> s.method().equals("POST")).count())
                .as("one refused create, then one create per task").isEqualTo(4);
    }

    @Test
    void aWindowOpenedByAnotherNodeHoldsThePollsOfThisNodeWithoutFailingTheTask() {
        String videoId = submit("sora-2");
        awaitStatus(videoId, "PROCESSING");
        String externalId = jdbc.queryForObject("select external_task_id from upstream_binding where video_id = ?",
                String.class, videoId);
        await().atMost(Duration.ofSeconds(10)).until(() -> LIMITED.retrieves(externalId) > 0);

        // what another node does after its 429: the window is the row, whoever wrote it; 5 s is beyond the 3 s a
        // call may wait, so polls inside it are skipped (no call), and the saga polls again at its next ticks
        gate.hold("limited", Duration.ofSeconds(5));
        long openedAt = System.nanoTime();
        LIMITED.complete(externalId);

        awaitStatus(videoId, "COMPLETED");
        // a poll admitted just before the window opened may still be on the wire: it lands within milliseconds
        long landed = openedAt + Duration.ofMillis(100).toNanos();
        List<Seen> polls = LIMITED.seen.stream().filter(s -> s.nanos() > landed).toList();
        assertThat(polls).isNotEmpty();
        assertThat(polls).allSatisfy(s -> assertThat((s.nanos() - openedAt) / 1_000_000)
                .as("%s %s after the window opened", s.method(), s.path()).isGreaterThanOrEqualTo(5000 - SLACK_MS));
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type like '%TaskFailed'", Integer.class, videoId)).isZero();
    }

    @Test
    void aRequestRateCapSpacesTheCallsOfAllTasksToTheProvider() {
        List<String> tasks = List.of(submit("sora-2-pro"), submit("sora-2-pro"), submit("sora-2-pro"), submit("sora-2-pro"));
        for (String videoId : tasks) {
            awaitStatus(videoId, "PROCESSING");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> CAPPED.seen.size() >= 12);

        // slots are 500 ms apart; a call leaves at its slot and lands a little later (on a loaded machine a create's
        // body takes a while to write), so a late landing can shorten the gap after it, never the distance over many
        List<Seen> calls = List.copyOf(CAPPED.seen);
        for (int i = 0; i < calls.size(); i++) {
            for (int j = i + 1; j < calls.size(); j++) {
                long spanMs = (calls.get(j).nanos() - calls.get(i).nanos()) / 1_000_000;
                assertThat(spanMs).as("calls %d to %d: 120 a minute is one per 500 ms", i, j)
                        .isGreaterThanOrEqualTo((j - i) * 500L - LANDING_MS);
            }
        }
    }

    private String submit(String model) {
        HttpApi.Response created = api.postJson("/api/video/tasks", token,
                "{\"prompt\":\"a gated fox\",\"model\":\"" + model + "\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }

    private void awaitStatus(String videoId, String status) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText())
                        .isEqualTo(status));
    }

    record Seen(long nanos, String method, String path, int status) {
    }

    /** An OpenAI Videos provider whose jobs run until told to complete; it can answer the next create with a 429. */
    static final class FakeProvider extends Dispatcher {
        final MockWebServer server = new MockWebServer();
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        private final AtomicInteger jobs = new AtomicInteger();
        private final Set<String> completed = ConcurrentHashMap.newKeySet();
        private volatile int retryAfterNextCreate;

        FakeProvider() {
            server.setDispatcher(this);
            try {
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void rateLimitNextCreate(int seconds) {
            retryAfterNextCreate = seconds;
        }

        void complete(String externalId) {
            completed.add(externalId);
        }

        long retrieves(String externalId) {
            return seen.stream().filter(s -> s.path().equals("/v1/videos/" + externalId)).count();
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            long at = System.nanoTime();
            String path = request.getPath() == null ? "" : request.getPath();
            MockResponse answer;
            if (request.getMethod().equals("POST") && path.equals("/v1/videos")) {
                int retryAfter = retryAfterNextCreate;
                retryAfterNextCreate = 0;
                answer = retryAfter > 0
                        ? json(429, "{\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"slow down\"}}")
                        .setHeader("Retry-After", String.valueOf(retryAfter))
                        : job("vid_gate_" + jobs.incrementAndGet(), "queued");
            } else if (request.getMethod().equals("GET") && path.startsWith("/v1/videos/")) {
                String id = path.substring("/v1/videos/".length());
                answer = job(id, completed.contains(id) ? "completed" : "in_progress");
            } else {
                answer = json(404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such thing\"}}");
            }
            seen.add(new Seen(at, request.getMethod(), path, answer.getStatus().contains("429") ? 429 : 200));
            return answer;
        }

        private static MockResponse job(String id, String status) {
            return json(200, "{\"id\":\"" + id + "\",\"object\":\"video\",\"model\":\"sora-2\",\"status\":\"" + status
                    + "\",\"progress\":" + (status.equals("completed") ? 100 : 10) + ",\"size\":\"720x1280\",\"seconds\":\"4\"}");
        }

        private static MockResponse json(int status, String body) {
            return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json").setBody(body);
        }
    }
}
