package dev.reelay.infra.consistency;

import dev.reelay.infra.ReelayApplication;
import org.springframework.core.env.Environment;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * Another Reelay node on the same database, in a JVM of its own as in production: two Spring contexts in one JVM
 * would share Axon's node id (pid@host) and both believe they hold the same processor segments.
 */
public final class SecondNode implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private SecondNode(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * A node on the database of the test's own context ({@code spring.datasource.*} of its environment);
     * {@code extraArgs}: more {@code --key=value} settings for this node only.
     */
    public static SecondNode beside(Environment environment, String... extraArgs) throws IOException {
        return start(environment.getRequiredProperty("spring.datasource.url"),
                environment.getRequiredProperty("spring.datasource.username"),
                environment.getProperty("spring.datasource.password", ""), extraArgs);
    }

    private static SecondNode start(String dbUrl, String dbUser, String dbPassword, String... extraArgs) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = Files.createTempFile("reelay-second-node", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), ReelayApplication.class.getName(),
                "--spring.profiles.active=test", "--spring.datasource.url=" + dbUrl,
                "--spring.datasource.username=" + dbUser, "--spring.datasource.password=" + dbPassword,
                "--reelay.embedded-db.enabled=false", "--server.port=" + port,
                "--reelay.guardrails.account-cache=false"));
        command.addAll(List.of(extraArgs));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        SecondNode node = new SecondNode(process, port, log);
        HttpClient client = HttpClient.newHttpClient();
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the second node died: see " + log);
                }
                try {
                    return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException notYet) {
                    return false;
                }
            });
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    public int port() {
        return port;
    }

    public File log() {
        return log.toFile();
    }

    /**
     * {@code kill -9}: the process is gone at once, as in a crash. Its claims, its {@code cluster_node} row and the
     * db-scheduler executions it had picked stay behind for the other nodes to notice.
     */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("the second node did not die from SIGKILL within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
