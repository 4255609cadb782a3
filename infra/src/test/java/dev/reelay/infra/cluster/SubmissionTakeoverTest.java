package dev.reelay.infra.cluster;

import dev.reelay.infra.ReelayApplication;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.TestDatabase;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 15, item 3: a node stops while a task's create is in flight at the provider. The next node on the database
 * hands that round on at its next takeover check (here 2 s), not after the submission watchdog (here 10 min), and
 * the provider sees the second create with the same idempotency key: one job.
 */
class SubmissionTakeoverTest {

    @TempDir
    Path dataDir;

    private final Fake fake = new Fake();

    @AfterEach
    void stopTheFake() throws IOException {
        fake.release.countDown();
        fake.server.shutdown();
    }

    private ConfigurableApplicationContext start(String[] db) {
        String p = "--reelay.providers[0].";
        List<String> args = new ArrayList<>(List.of("--spring.datasource.url=" + db[0],
                "--spring.datasource.username=" + db[1], "--spring.datasource.password=" + db[2],
                "--reelay.embedded-db.enabled=false", "--server.port=0", "--reelay.data-dir=" + dataDir,
                "--reelay.sandbox.enabled=false", "--reelay.content.archive-on-complete=false",
                "--reelay.upstream.submission-watchdog=10m", "--reelay.upstream.takeover-check=2s",
                p + "id=slow", p + "format=openai-videos", p + "base-url=http://127.0.0.1:" + fake.server.getPort() + "/v1",
                p + "api-key=takeover-key", p + "models[0]=sora-2", p + "read-timeout=5m",
                p + "poll-initial=300ms", p + "poll-min=200ms", p + "poll-max=500ms"));
        return new SpringApplicationBuilder(ReelayApplication.class).profiles("test").run(args.toArray(String[]::new));
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    @Test
    void aCreateInFlightOnAStoppedNodeIsHandedOnAtTheNextCheckWithTheSameIdempotencyKey() {
        String[] db = TestDatabase.newDatabase();
        JdbcTemplate jdbc = new JdbcTemplate(DataSourceBuilder.create().url(db[0]).username(db[1]).password(db[2]).build());
        String videoId;
        try (ConfigurableApplicationContext first = start(db)) {
            HttpApi api = new HttpApi(port(first));
            HttpApi.Response created = api.postJson("/api/video/tasks", api.token("carol"),
                    "{\"prompt\":\"handed on\",\"model\":\"sora-2\",\"seconds\":4}");
            assertThat(created.status()).isEqualTo(201);
            videoId = created.json().at("/data/videoId").asText();
            // the provider holds the first create: the round is in flight when the node stops
            await().atMost(Duration.ofSeconds(20)).until(() -> !fake.creates.isEmpty());
        }
        assertThat(jdbc.queryForObject("select count(*) from cluster_node", Integer.class)).isZero();
        try (ConfigurableApplicationContext second = start(db)) {
            HttpApi api = new HttpApi(port(second));
            String token = api.token("carol");
            // within a minute: the 10 min watchdog cannot have done it
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                    assertThat(api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText())
                            .isEqualTo("PROCESSING"));
        }
        // the held create, perhaps a retry by the stopping node when its connection was closed, and the second round's
        assertThat(fake.creates).hasSizeGreaterThanOrEqualTo(2);
        assertThat(fake.creates).as("every create carries the task id as the idempotency key").containsOnly(videoId);
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type like '%UpstreamTaskAccepted'", Integer.class, videoId)).isEqualTo(1);
    }

    /** OpenAI Videos: the first create is held until the test ends; later ones answer the job for their key. */
    static final class Fake extends Dispatcher {
        final MockWebServer server = new MockWebServer();
        final List<String> creates = new CopyOnWriteArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);

        Fake() {
            server.setDispatcher(this);
            try {
                server.start();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            String path = request.getPath() == null ? "" : request.getPath();
            if (request.getMethod().equals("POST") && path.equals("/v1/videos")) {
                String key = request.getHeader("Idempotency-Key");
                creates.add(key);
                if (creates.size() == 1) {
                    release.await(5, TimeUnit.MINUTES);
                }
                return job("vid_" + key);
            }
            if (request.getMethod().equals("GET") && path.startsWith("/v1/videos/")) {
                return job(path.substring("/v1/videos/".length()));
            }
            return new MockResponse().setResponseCode(404);
        }

        private static MockResponse job(String id) {
            return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                    .setBody("{\"id\":\"" + id + "\",\"object\":\"video\",\"model\":\"sora-2\",\"status\":\"in_progress\","
                            + "\"progress\":10,\"size\":\"720x1280\",\"seconds\":\"4\"}");
        }
    }
}
