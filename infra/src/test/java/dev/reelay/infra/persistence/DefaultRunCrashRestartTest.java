package dev.reelay.infra.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.AppProcess;
import dev.reelay.infra.support.HttpApi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default run ({@code ./reelay}: embedded PostgreSQL on a kept data directory) in a JVM of its own, killed with
 * {@code kill -9} while clients are writing, then started again with the same arguments: the second start succeeds
 * without a manual step although the first run's PostgreSQL still holds the data directory, and every write that got
 * a 2xx before the kill is in the event store after it.
 */
class DefaultRunCrashRestartTest {

    @TempDir
    Path dataDir;

    private final List<AppProcess> apps = new ArrayList<>();

    @Test
    void aRunKilledWithSigkillStartsAgainByItselfAndKeepsEveryAcknowledgedWrite() throws Exception {
        Path firstLog = dataDir.resolveSibling(dataDir.getFileName() + "-first.log");
        AppProcess first = start(firstLog);
        HttpApi api = new HttpApi(first.port());
        String token = api.token("crash-victim");

        // clients keep writing while the app is killed: creates, and a cancel of every third acknowledged task
        Map<String, Boolean> acknowledged = new ConcurrentHashMap<>(); // videoId -> its cancel got a 2xx
        AtomicBoolean killed = new AtomicBoolean();
        CountDownLatch enoughWritten = new CountDownLatch(30);
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            Thread writer = new Thread(() -> {
                HttpApi client = new HttpApi(first.port());
                for (int i = 0; !killed.get(); i++) {
                    try {
                        HttpApi.Response created = client.postJson("/api/video/tasks", token,
                                "{\"prompt\":\"a fox, take " + i + "\",\"model\":\"sora-2\"}");
                        if (created.status() / 100 != 2) {
                            continue;
                        }
                        String videoId = created.json().at("/data/videoId").asText();
                        acknowledged.put(videoId, false);
                        if (i % 3 == 0 && client.postJson("/api/video/tasks/" + videoId + "/cancel", token, "{}")
                                .status() / 100 == 2) {
                            acknowledged.put(videoId, true);
                        }
                        enoughWritten.countDown();
                    } catch (RuntimeException connectionGone) {
                        // the app was killed under this request: it got no 2xx, so nothing is owed for it
                    }
                }
            }, "writer-" + w);
            writer.start();
            writers.add(writer);
        }
        assertThat(enoughWritten.await(120, TimeUnit.SECONDS)).as("30 writes acknowledged before the kill").isTrue();

        long leftover = postmasterPid();
        first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no pg_ctl stop
        assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        killed.set(true);
        for (Thread writer : writers) {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertThat(ProcessHandle.of(leftover).map(ProcessHandle::isAlive))
                .as("the killed run's PostgreSQL is still running on the data directory").contains(true);

        Path secondLog = dataDir.resolveSibling(dataDir.getFileName() + "-second.log");
        AppProcess second = start(secondLog);
        assertThat(Files.readString(secondLog)).contains("was left running on");
        assertThat(ProcessHandle.of(leftover).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));

        HttpApi again = new HttpApi(second.port());
        String newToken = again.token("crash-victim");
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(30);
        acknowledged.forEach((videoId, cancelled) -> {
            JsonNode events = again.get("/api/video/tasks/" + videoId + "/history", newToken).json().at("/data/events");
            List<String> types = new ArrayList<>();
            events.forEach(event -> types.add(event.get("type").asText()));
            assertThat(types).as(videoId).contains("TaskSubmitted");
            if (cancelled) {
                assertThat(types).as(videoId).contains("TaskCancelled");
            }
        });

        // and the server that holds them now writes durably
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + postmasterPort() + "/postgres",
                "postgres", ""); Statement st = c.createStatement()) {
            assertThat(setting(st, "fsync")).isEqualTo("on");
            assertThat(setting(st, "synchronous_commit")).isEqualTo("on");
        }
    }

    @AfterEach
    void stopWhatStarted() throws Exception {
        apps.forEach(AppProcess::close);
        // a failed assertion may leave the first run's PostgreSQL behind: never leak it past the test
        Path pidFile = dataDir.resolve("pgdata/postmaster.pid");
        if (Files.exists(pidFile)) {
            ProcessHandle.of(postmasterPid()).ifPresent(ProcessHandle::destroy);
        }
    }

    private long postmasterPid() throws IOException {
        return Long.parseLong(Files.readAllLines(dataDir.resolve("pgdata/postmaster.pid")).get(0).trim());
    }

    private int postmasterPort() throws IOException {
        return Integer.parseInt(Files.readAllLines(dataDir.resolve("pgdata/postmaster.pid")).get(3).trim());
    }

    private static String setting(Statement st, String name) throws Exception {
        try (ResultSet rs = st.executeQuery("show " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The Boot main in the default profile, as {@code ./reelay} runs it, on the given data directory. */
    private AppProcess start(Path log) throws IOException {
        AppProcess app = AppProcess.start(log, List.of("--reelay.data-dir=" + dataDir,
                "--reelay.rate-limit.per-user.burst=100000", "--reelay.rate-limit.per-address.burst=100000",
                "--reelay.guardrails.quota.video-seconds=1000000"));
        apps.add(app);
        return app;
    }
}
