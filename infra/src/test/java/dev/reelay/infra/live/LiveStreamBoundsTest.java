package dev.reelay.infra.live;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.infra.support.SseStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bounds on live streams over real sockets: streams per user (per node), unused tickets per user (in PostgreSQL),
 * and how far back a resume may reach before it gets a {@code reset} event instead of a replay.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.sse.max-streams-per-user=3", "reelay.sse.max-tickets-per-user=2",
        "reelay.sse.heartbeat=1s", "reelay.sse.max-replay-events=60", "reelay.sse.replay-threads=1",
        "reelay.sse.replay-queue=0"})
class LiveStreamBoundsTest {

    @org.springframework.beans.factory.annotation.Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    private static final String TASK = "{\"prompt\":\"bounded\",\"model\":\"sora-2\"}";

    @LocalServerPort
    int port;

    private final List<SseStream> open = new java.util.concurrent.CopyOnWriteArrayList<>();

    private SseStream stream(String path, String token, String lastEventId) {
        SseStream stream = SseStream.open(port, path, token, lastEventId);
        open.add(stream);
        return stream;
    }

    private static long index(String eventId) {
        return Long.parseLong(eventId.split("\\.")[0]);
    }

    @AfterEach
    void closeStreams() {
        open.forEach(SseStream::close);
    }

    @Test
    void aUserHoldsAtMostTheConfiguredStreamsAndGetsOneBackOnceAStreamCloses() {
        HttpApi api = new HttpApi(port);
        String dave = api.token("dave-streams");
        String videoId = api.postJson("/api/video/tasks", dave, TASK).json().at("/data/videoId").asText();
        List<SseStream> daves = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            daves.add(stream(i == 0 ? "/api/video/tasks/" + videoId + "/events" : "/api/video/tasks/stream", dave, null));
        }
        assertThat(daves).allSatisfy(s -> assertThat(s.status()).isEqualTo(200));

        for (String path : List.of("/api/video/tasks/stream", "/api/video/tasks/" + videoId + "/events")) {
            SseStream refused = stream(path, dave, null);
            assertThat(refused.status()).isEqualTo(429);
            assertThat(Long.parseLong(refused.header("Retry-After"))).isPositive();
            assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
            await().atMost(Duration.ofSeconds(15)).until(() -> refused.body().contains("TOO_MANY_STREAMS"));
            assertThat(refused.json().get("code").asText()).isEqualTo("TOO_MANY_STREAMS");
        }

        // the bound is per user: someone else still gets a stream
        assertThat(stream("/api/video/tasks/stream", api.token("erin-streams"), null).status()).isEqualTo(200);

        // a stream whose client went away is noticed at the next heartbeat, and its slot is free again
        daves.get(1).close();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            SseStream again = stream("/api/video/tasks/stream", dave, null);
            return again.status() == 200;
        });
    }

    @Test
    void aUserHoldsAtMostTheConfiguredUnusedTicketsAndUsingOneFreesItsPlace() {
        HttpApi api = new HttpApi(port);
        String frank = api.token("frank-tickets");
        String first = api.postJson("/api/video/stream-tickets", frank, "{}").json().at("/data/ticket").asText();
        assertThat(api.postJson("/api/video/stream-tickets", frank, "{}").status()).isEqualTo(200);

        HttpApi.Response refused = api.postJson("/api/video/stream-tickets", frank, "{}");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.json().get("code").asText()).isEqualTo("TOO_MANY_STREAM_TICKETS");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 60L);

        assertThat(api.postJson("/api/video/stream-tickets", api.token("grace-tickets"), "{}").status()).isEqualTo(200);
        assertThat(stream("/api/video/tasks/stream?ticket=" + first, null, null).status()).isEqualTo(200);
        assertThat(api.postJson("/api/video/stream-tickets", frank, "{}").status()).isEqualTo(200);
    }

    @Test
    void aResumeWithinTheBoundReplaysEveryMissedEventOnceOffTheRequestThread() {
        HttpApi api = new HttpApi(port);
        String hana = api.token("hana-resume");
        SseStream first = stream("/api/video/tasks/stream", hana, null);
        String videoId = api.postJson("/api/video/tasks", hana, TASK).json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> first.has("TaskSubmitted"));
        String submittedId = first.events().stream().filter(e -> "TaskSubmitted".equals(e.name())).findFirst().orElseThrow().id();
        first.close();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                api.get("/api/video/tasks/" + videoId, hana).json().at("/data/status").asText().equals("COMPLETED"));

        SseStream resumed = stream("/api/video/tasks/stream", hana, submittedId);
        assertThat(resumed.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> resumed.has("TaskCompleted"));
        List<String> names = resumed.events().stream().map(SseStream.Event::name).toList();
        assertThat(names).doesNotContain("TaskSubmitted", "reset").contains("UpstreamTaskAccepted");
        assertThat(resumed.events().stream().map(SseStream.Event::id).distinct().count()).isEqualTo(resumed.events().size());
    }

    @Test
    void aResumeFromFurtherBackThanTheBoundGetsAResetEventAndThenContinuesLive() {
        HttpApi api = new HttpApi(port);
        String ivan = api.token("ivan-reset");
        List<String> videos = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            videos.add(api.postJson("/api/video/tasks", ivan, TASK).json().at("/data/videoId").asText());
        }
        // 25 tasks to their end: at least three events each, more than the 60 a resume may reach back
        await().atMost(Duration.ofSeconds(45)).until(() -> videos.stream().allMatch(id ->
                api.get("/api/video/tasks/" + id, ivan).json().at("/data/status").asText().equals("COMPLETED")));
        // and their content copies recorded (three per task): otherwise those trailing events can carry the store more
        // than the 60-event bound past the reset's position before the resume below, on a loaded machine
        await().atMost(Duration.ofSeconds(45)).until(() -> videos.stream().allMatch(id ->
                jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? "
                        + "and payload_type like '%ContentArchived'", Integer.class, id) >= 3));

        SseStream fromTheStart = stream("/api/video/tasks/stream", ivan, "0");
        assertThat(fromTheStart.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> fromTheStart.has("reset"));
        SseStream.Event reset = fromTheStart.events().get(0);
        assertThat(reset.name()).isEqualTo("reset");
        assertThat(reset.data().get("action").asText()).isEqualTo("reload");
        assertThat(reset.data().get("missedAtLeast").asLong()).isGreaterThan(60);
        assertThat(reset.id()).isNotBlank();
        long resetAt = index(reset.id());
        List<SseStream.Event> received = List.copyOf(fromTheStart.events());
        assertThat(received.subList(1, received.size()))
                .as("nothing from before the reset is replayed").allSatisfy(e -> assertThat(index(e.id())).isGreaterThan(resetAt));

        // live events follow on the same stream, and the reset's id is a position a later resume replays from
        String next = api.postJson("/api/video/tasks", ivan, TASK).json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> fromTheStart.events().stream().anyMatch(e ->
                "TaskSubmitted".equals(e.name()) && e.data().get("videoId").asText().equals(next)));
        SseStream fromReset = stream("/api/video/tasks/stream", ivan, reset.id());
        await().atMost(Duration.ofSeconds(10)).until(() -> fromReset.events().stream().anyMatch(e ->
                "TaskSubmitted".equals(e.name()) && e.data().get("videoId").asText().equals(next)));
        assertThat(fromReset.has("reset")).isFalse();

        // a position the store never reached is no replay either
        SseStream ahead = stream("/api/video/tasks/stream", ivan, "999999999");
        await().atMost(Duration.ofSeconds(15)).until(() -> ahead.has("reset"));
        assertThat(ahead.events().get(0).data().get("reason").asText()).isEqualTo("UNKNOWN_POSITION");
    }

    @Test
    void resumesBeyondTheReplayWorkersAre429WithRetryAfterAndTheOthersAreServed() throws Exception {
        HttpApi api = new HttpApi(port);
        String june = api.token("june-replays");
        SseStream probe = stream("/api/video/tasks/stream", june, null);
        api.postJson("/api/video/tasks", june, TASK);
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.has("TaskSubmitted"));
        long now = index(probe.events().get(0).id());
        String within = String.valueOf(Math.max(1, now - 50));

        int clients = 30;
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            tokens.add(api.token("replayer-" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<SseStream>> resumes = new ArrayList<>();
            for (String token : tokens) {
                resumes.add(pool.submit(() -> {
                    go.await();
                    return stream("/api/video/tasks/stream", token, within);
                }));
            }
            go.countDown();
            List<SseStream> answered = new ArrayList<>();
            for (Future<SseStream> resume : resumes) {
                answered.add(resume.get(30, TimeUnit.SECONDS));
            }
            assertThat(answered).allSatisfy(s -> assertThat(s.status()).isIn(200, 429));
            List<SseStream> refused = answered.stream().filter(s -> s.status() == 429).toList();
            assertThat(refused).as("one replay worker and no queue: concurrent resumes are refused, not queued without bound")
                    .isNotEmpty();
            assertThat(refused).allSatisfy(s -> {
                assertThat(s.header("Retry-After")).isEqualTo("1");
                await().atMost(Duration.ofSeconds(15)).until(() -> s.body().contains("REPLAY_BUSY"));
            });
        } finally {
            pool.shutdownNow();
        }
        // and once the replays are done, a resume is served again
        await().atMost(Duration.ofSeconds(10)).until(() -> stream("/api/video/tasks/stream", june, within).status() == 200);
    }
}
