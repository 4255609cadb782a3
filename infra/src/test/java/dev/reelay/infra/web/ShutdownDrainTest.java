package dev.reelay.infra.web;

import dev.reelay.infra.support.AppProcess;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SIGTERM with {@code reelay.http.shutdown-drain}: the node reports itself not ready, answers every request meanwhile
 * and closes each answered connection, and stops only after the drain. In a JVM of its own, to send it the signal.
 */
class ShutdownDrainTest {

    static final Duration DRAIN = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;

    @Test
    void duringTheDrainANodeAnswersOnSaysItIsNotReadyAndClosesEachAnsweredConnection() throws Exception {
        String[] db = TestDatabase.newDatabase();
        Path log = Files.createTempFile("reelay-drain", ".log");
        try (AppProcess app = AppProcess.start(log, List.of("--spring.profiles.active=test",
                "--spring.datasource.url=" + db[0], "--spring.datasource.username=" + db[1],
                "--spring.datasource.password=" + db[2], "--reelay.embedded-db.enabled=false",
                "--reelay.data-dir=" + dataDir, "--reelay.http.shutdown-drain=" + DRAIN.toSeconds() + "s"))) {
            HttpApi api = new HttpApi(app.port());
            String token = api.token("drained-user");
            HttpApi.Response before = api.get("/api/video/tasks", token);
            assertThat(before.status()).isEqualTo(200);
            assertThat(before.header("Connection")).as("kept alive before the stop").isNull();

            long signalled = System.nanoTime();
            app.process().destroy(); // SIGTERM
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> api.get("/actuator/health/readiness", null).status() == 503);
            HttpApi.Response during = api.get("/api/video/tasks", token);
            HttpApi.Response created = api.postJson("/api/video/tasks", token,
                    "{\"prompt\":\"a fox at closing time\",\"model\":\"sora-2\",\"seconds\":4}");

            assertThat(during.status()).isEqualTo(200);
            assertThat(during.header("Connection")).isEqualTo("close");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(created.header("Connection")).isEqualTo("close");
            assertThat(app.process().isAlive()).as("still draining").isTrue();
            assertThat(app.process().waitFor(90, TimeUnit.SECONDS)).as("stopped after the drain").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isGreaterThanOrEqualTo(DRAIN);
        }
    }
}
