package dev.reelay.infra.consistency;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A 429 window is honoured by both nodes (issue 15, item 2): one provider, reached by node A under {@code /a/v1} and
 * by node B under {@code /b/v1} on the same fake, so the fake knows which node each call came from. After the 429,
 * no call from either node arrives before its {@code Retry-After} has passed.
 */
@ReelayIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderWindowAcrossNodesTest {

    static final Fake FAKE = new Fake();
    static final int RETRY_AFTER_S = 3;
    static final long SLACK_MS = 15;

    @DynamicPropertySource
    static void provider(DynamicPropertyRegistry registry) {
        registry.add("reelay.sandbox.enabled", () -> "false");
        registry.add("reelay.content.archive-on-complete", () -> "false");
        for (String[] setting : providerSettings("a")) {
            registry.add(setting[0], () -> setting[1]);
        }
    }

    /** The same provider on both nodes, only the path prefix tells them apart at the fake. */
    static List<String[]> providerSettings(String node) {
        String p = "reelay.providers[0].";
        return List.of(new String[]{p + "id", "shared"}, new String[]{p + "format", "openai-videos"},
                new String[]{p + "base-url", "http://127.0.0.1:" + FAKE.server.getPort() + "/" + node + "/v1"},
                new String[]{p + "api-key", "window-key"}, new String[]{p + "models[0]", "sora-2"},
                new String[]{p + "poll-initial", "300ms"}, new String[]{p + "poll-min", "200ms"},
                new String[]{p + "poll-max", "500ms"});
    }

    @LocalServerPort
    int port;
    @Autowired
    Environment environment;
    @Autowired
    JdbcTemplate jdbc;

    SecondNode second;

    @BeforeAll
    void startTheSecondNode() throws Exception {
        List<String> arguments = new ArrayList<>(List.of("--reelay.sandbox.enabled=false",
                "--reelay.content.archive-on-complete=false"));
        providerSettings("b").forEach(s -> arguments.add("--" + s[0] + "=" + s[1]));
        second = SecondNode.beside(environment, arguments.toArray(String[]::new));
    }

    @AfterAll
    void stop() throws IOException {
        if (second != null) {
            second.close();
        }
        FAKE.server.shutdown();
    }

    @Test
    void afterA429NeitherNodeCallsTheProviderBeforeItsRetryAfter() {
        // the saga's four segments shared two and two: tasks are submitted by both nodes' sagas
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> jdbc.queryForList(
                "select count(*) from token_entry where processor_name = 'upstream-saga' and owner is not null group by owner",
                Integer.class).equals(List.of(2, 2)));
        HttpApi nodeA = new HttpApi(port);
        HttpApi nodeB = new HttpApi(second.port());
        String token = nodeA.token("window-user");

        FAKE.rateLimitNextCreate();
        List<String> tasks = new ArrayList<>();
        tasks.add(create(nodeA, token));
        await().atMost(Duration.ofSeconds(10)).until(() -> FAKE.refusedAt.get() != null);
        Seen refused = FAKE.refusedAt.get();
        // the window holds from the moment a node has read the 429 (the fake saw it go out a little earlier)
        await().atMost(Duration.ofSeconds(RETRY_AFTER_S)).pollInterval(Duration.ofMillis(10)).until(() -> jdbc.queryForObject(
                "select count(*) from provider_gate where provider_id = 'shared' and not_before > now()", Integer.class) == 1);
        for (int i = 0; i < 8; i++) {
            tasks.add(create(i % 2 == 0 ? nodeB : nodeA, token));
        }
        for (String videoId : tasks) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                    nodeA.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText().equals("PROCESSING"));
        }

        List<Seen> after = FAKE.seen.stream().filter(s -> s.nanos() > refused.nanos()).toList();
        assertThat(after.stream().map(Seen::node).distinct().toList()).as("calls came from both nodes")
                .containsExactlyInAnyOrder("a", "b");
        assertThat(after).allSatisfy(s -> assertThat((s.nanos() - refused.nanos()) / 1_000_000)
                .as("%s %s from node %s after the 429 on node %s", s.method(), s.path(), s.node(), refused.node())
                .isGreaterThanOrEqualTo(RETRY_AFTER_S * 1000L - SLACK_MS));
    }

    private static String create(HttpApi node, String token) {
        HttpApi.Response created = node.postJson("/api/video/tasks", token,
                "{\"prompt\":\"a fox behind a window\",\"model\":\"sora-2\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }

    record Seen(long nanos, String node, String method, String path) {
    }

    /** OpenAI Videos jobs that stay in progress; the next create can be answered with a 429 and Retry-After. */
    static final class Fake extends Dispatcher {
        final MockWebServer server = new MockWebServer();
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        final AtomicReference<Seen> refusedAt = new AtomicReference<>();
        private final AtomicInteger jobs = new AtomicInteger();
        private volatile boolean refuseNextCreate;

        Fake() {
            server.setDispatcher(this);
            try {
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void rateLimitNextCreate() {
            refuseNextCreate = true;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            long at = System.nanoTime();
            String full = request.getPath() == null ? "" : request.getPath();
            String node = full.length() > 2 ? full.substring(1, 2) : "?";
            String path = full.length() > 2 ? full.substring(2) : full;
            Seen call = new Seen(at, node, request.getMethod(), path);
            seen.add(call);
            if (request.getMethod().equals("POST") && path.equals("/v1/videos")) {
                if (refuseNextCreate) {
                    refuseNextCreate = false;
                    refusedAt.set(call);
                    return json(429, "{\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"slow down\"}}")
                            .setHeader("Retry-After", String.valueOf(RETRY_AFTER_S));
                }
                return job("vid_window_" + jobs.incrementAndGet());
            }
            if (request.getMethod().equals("GET") && path.startsWith("/v1/videos/")) {
                return job(path.substring("/v1/videos/".length()));
            }
            return json(404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such thing\"}}");
        }

        private static MockResponse job(String id) {
            return json(200, "{\"id\":\"" + id + "\",\"object\":\"video\",\"model\":\"sora-2\",\"status\":\"in_progress\","
                    + "\"progress\":10,\"size\":\"720x1280\",\"seconds\":\"4\"}");
        }

        private static MockResponse json(int status, String body) {
            return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json").setBody(body);
        }
    }
}
