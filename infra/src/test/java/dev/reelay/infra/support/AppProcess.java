package dev.reelay.infra.support;

import dev.reelay.infra.ReelayApplication;
import org.awaitility.core.ConditionFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The Boot main in a JVM of its own, on a free port, started with the given Spring arguments and waited for until
 * healthy: for what only a separate process shows (a {@code kill -9}, a second node on the same database and store).
 */
public record AppProcess(Process process, int port, Path log) implements AutoCloseable {

    public static AppProcess start(Path log, List<String> springArguments) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                ReelayApplication.class.getName(), "--server.port=" + port));
        command.addAll(springArguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        AppProcess app = new AppProcess(process, port, log);
        HttpApi api = new HttpApi(port);
        try {
            // the wait is for another process: an uncaught exception in some other thread of this JVM (a cached test
            // context's scheduler, say) is not its failure, so Awaitility must not turn it into one (it does by default)
            ConditionFactory waiting = await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                    .dontCatchUncaughtExceptions();
            waiting.until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the app died while starting; the end of " + log + ":\n" + tail(log));
                }
                try {
                    return api.get("/actuator/health", null).status() == 200;
                } catch (RuntimeException notYet) {
                    return false;
                }
            });
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        return app;
    }

    /** SIGTERM, a graceful stop (which also stops an embedded PostgreSQL); SIGKILL if it takes over a minute. */
    @Override
    public void close() {
        stop(process, Duration.ofSeconds(60));
    }

    /** SIGTERM, then SIGKILL if the process is still there after the grace period. */
    static void stop(Process process, Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
