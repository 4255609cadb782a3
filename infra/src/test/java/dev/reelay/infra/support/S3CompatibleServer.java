package dev.reelay.infra.support;

import org.springframework.boot.SpringApplication;
import org.springframework.test.context.DynamicPropertyRegistry;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

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
 * A real S3-compatible server for the tests, one per test JVM: Adobe's S3Mock, whose executable jar comes from Maven
 * Central (the build copies it to {@code target/s3mock/s3mock.jar}), run as a process of its own on a free loopback
 * port, so its Spring Boot never meets ours and no Docker is needed. A test that needs it fails, never skips, when it
 * cannot be started.
 */
public final class S3CompatibleServer {

    public static final String BUCKET = "reelay-test";
    public static final String ACCESS_KEY_ID = "reelay-test-key";
    public static final String SECRET_ACCESS_KEY = "reelay-test-secret";

    private static volatile URI endpoint;

    private S3CompatibleServer() {
    }

    /** The server's URL, starting it on first use. */
    public static URI endpoint() {
        URI started = endpoint;
        if (started == null) {
            synchronized (S3CompatibleServer.class) {
                if (endpoint == null) {
                    endpoint = start();
                }
                started = endpoint;
            }
        }
        return started;
    }

    /** Points a test context's content store at the test bucket. */
    public static void register(DynamicPropertyRegistry registry) {
        registry.add("reelay.content-store.type", () -> "s3");
        registry.add("reelay.content-store.s3.endpoint", () -> endpoint().toString());
        registry.add("reelay.content-store.s3.bucket", () -> BUCKET);
        registry.add("reelay.content-store.s3.path-style", () -> "true");
        registry.add("reelay.content-store.s3.access-key-id", () -> ACCESS_KEY_ID);
        registry.add("reelay.content-store.s3.secret-access-key", () -> SECRET_ACCESS_KEY);
    }

    /** A client of the test bucket's server, for looking behind the application's back. */
    public static S3Client client() {
        return S3Client.builder().endpointOverride(endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY)))
                .build();
    }

    private static URI start() {
        Path jar = Path.of("target", "s3mock", "s3mock.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException("No S3Mock jar at " + jar + ": the build copies it there (maven-dependency-plugin, "
                    + "phase process-test-resources); run the tests through Maven");
        }
        try {
            int port = freePort();
            Path root = Files.createTempDirectory("reelay-s3mock");
            Path log = Files.createTempFile("reelay-s3mock", ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process = new ProcessBuilder(List.of(java, "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-jar", jar.toString(),
                    "--server.port=0", "--server.address=127.0.0.1", "--com.adobe.testing.s3mock.httpPort=" + port,
                    "--com.adobe.testing.s3mock.store.initialBuckets=" + BUCKET,
                    "--com.adobe.testing.s3mock.store.root=" + root,
                    "--com.adobe.testing.s3mock.store.retainFilesOnExit=false", "--spring.main.banner-mode=off"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            // after every cached test context has closed (Spring Boot runs its handlers from its own JVM hook)
            SpringApplication.getShutdownHandlers().add(() -> AppProcess.stop(process, Duration.ofSeconds(20)));
            URI uri = URI.create("http://127.0.0.1:" + port);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            await("S3Mock answering on " + uri + " (log: " + log + ")").atMost(Duration.ofSeconds(240))
                    .pollInterval(Duration.ofMillis(500)).until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("S3Mock exited while starting; its log: " + log + "\n"
                                    + Files.readString(log));
                        }
                        try {
                            // the bucket listing: up once the initial bucket exists
                            return http.send(HttpRequest.newBuilder(uri.resolve("/" + BUCKET)).build(),
                                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                        } catch (IOException notYet) {
                            return false;
                        }
                    });
            return uri;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start S3Mock from " + jar, e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
