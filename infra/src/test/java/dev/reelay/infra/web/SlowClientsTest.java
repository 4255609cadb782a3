package dev.reelay.infra.web;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real slow sockets against the real server: bodies and headers trickled at 1 byte/s to the routes that need no
 * login. Tomcat gets 16 worker threads here, so 60 slow clients would hold every one of them without the guard.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"server.tomcat.threads.max=16", "reelay.http.min-rate-grace=5s",
        "reelay.http.min-body-rate=100B", "reelay.http.header-timeout=3s", "reelay.http.max-slow-requests-per-address=4"})
class SlowClientsTest {

    private static final int SLOW_CLIENTS = 60;

    @LocalServerPort
    int port;
    @Autowired
    SlowConnectionGuard guard;

    private final List<Socket> sockets = new ArrayList<>();
    private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService readers = Executors.newFixedThreadPool(SLOW_CLIENTS);

    @AfterEach
    void closeEverything() throws IOException {
        trickle.shutdownNow();
        readers.shutdownNow();
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    /** Opens a socket, sends {@code head} at once and then one byte of {@code tail} a second; records how it ended. */
    private void slowClient(int id, String head, String tail, Map<Integer, String> outcomes) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("localhost", port), 5_000);
        socket.setSoTimeout(50_000);
        sockets.add(socket);
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] rest = tail.getBytes(StandardCharsets.US_ASCII);
        int[] sent = {0};
        trickle.scheduleAtFixedRate(() -> {
            if (sent[0] < rest.length && !outcomes.containsKey(id)) {
                try {
                    out.write(rest[sent[0]++]);
                    out.flush();
                } catch (IOException e) {
                    outcomes.putIfAbsent(id, "cut off");
                }
            }
        }, 1, 1, TimeUnit.SECONDS);
        readers.submit(() -> {
            try (InputStream in = socket.getInputStream()) {
                byte[] buffer = new byte[512];
                int n = in.read(buffer);
                outcomes.putIfAbsent(id, n < 0 ? "cut off" : new String(buffer, 0, n, StandardCharsets.US_ASCII).split("\r\n")[0]);
            } catch (IOException e) {
                outcomes.putIfAbsent(id, "cut off");
            }
        });
    }

    private static long millisToGet(HttpApi api, String token) {
        long start = System.nanoTime();
        assertThat(api.get("/api/video/tasks", token).status()).isEqualTo(200);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void slowBodiesOnTheOpenRoutesAreCutOffWhileAnAuthenticatedReadStaysFast() throws IOException {
        HttpApi api = new HttpApi(port);
        String token = api.token("patient-reader");
        Map<Integer, String> outcomes = new ConcurrentHashMap<>();
        String body = "{\"sub\":\"slow\",\"roles\":[\"user\"],\"padding\":\"" + "x".repeat(150) + "\"}";
        for (int i = 0; i < SLOW_CLIENTS; i++) {
            String path = i % 2 == 0 ? "/dev/token" : "/webhooks/upstream/sandbox";
            slowClient(i, "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n", body, outcomes);
        }

        // the clients beyond the per-address bound are refused at once; the four within it keep trickling
        await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.size() >= SLOW_CLIENTS - 4);
        // reads for up to 2.5 s, while the slow clients within the bound are still connected (they are cut 5 s after
        // they connected, so on a slow machine the window can be shorter; a read that ends after the cut still counts)
        List<Long> latencies = new ArrayList<>();
        int readsWhileConnected = 0;
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_500);
        while (System.nanoTime() < until && outcomes.size() < SLOW_CLIENTS) {
            latencies.add(millisToGet(api, token));
            if (outcomes.size() < SLOW_CLIENTS) {
                readsWhileConnected++;
            }
        }
        assertThat(readsWhileConnected).as("reads answered while slow clients were still connected").isPositive();
        assertThat(latencies).allSatisfy(ms -> assertThat(ms).isLessThan(2_000));

        await().atMost(Duration.ofSeconds(30)).until(() -> outcomes.size() == SLOW_CLIENTS);
        assertThat(outcomes.values()).allSatisfy(outcome ->
                assertThat(outcome).matches("cut off|HTTP/1.1 (408|429) .*"));
        assertThat(outcomes.values()).anyMatch(outcome -> outcome.startsWith("HTTP/1.1 408"));
    }

    /**
     * A live event stream is a request Tomcat read whole before it went asynchronous; it stays open for as long as
     * the client listens. More of them from one address than the slow-request bound, open past the header deadline,
     * are not slow clients: none is cut, and each still delivers.
     */
    @Test
    void liveEventStreamsOpenPastTheHeaderDeadlineAreNotCutOff() throws Exception {
        HttpApi api = new HttpApi(port);
        String token = api.token("stream-listener");
        List<InputStream> streams = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("localhost", port), 5_000);
            socket.setSoTimeout(20_000);
            sockets.add(socket);
            socket.getOutputStream().write(("GET /api/video/tasks/stream HTTP/1.1\r\nHost: localhost\r\n"
                    + "Accept: text/event-stream\r\nAuthorization: Bearer " + token + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(readUntil(in, "\r\n\r\n")).startsWith("HTTP/1.1 200");
            streams.add(in);
        }
        long cutBefore = guard.cutOff();
        // past header-timeout (3 s) and slow-after, for many of the guard's rounds
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> guard.cutOff() == cutBefore);

        assertThat(api.postJson("/api/video/tasks", token, "{\"prompt\":\"a lighthouse at dusk\",\"model\":\"sora-2\"}")
                .status()).isEqualTo(201);
        for (InputStream in : streams) {
            assertThat(readUntil(in, "TaskSubmitted")).contains("TaskSubmitted");
        }
    }

    /** The bytes read from {@code in} up to and including {@code marker}. */
    private static String readUntil(InputStream in, String marker) throws IOException {
        StringBuilder read = new StringBuilder();
        while (read.indexOf(marker) < 0) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("stream ended before " + marker + ": " + read);
            }
            read.append((char) b);
        }
        return read.toString();
    }

    @Test
    void headersTrickledAByteASecondAreCutOffAtTheHeaderDeadline() throws IOException {
        Map<Integer, String> outcomes = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            slowClient(i, "GET /actuator/health HTTP/1.1\r\nHost: localhost\r\n",
                    "X-Slow: " + "y".repeat(100) + "\r\n\r\n", outcomes);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> outcomes.size() == 3);
        assertThat(outcomes.values()).containsOnly("cut off");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofSeconds(2));
    }

    @Test
    void aMultipartBodyTomcatReadsItselfIsCutOffWhenItArrivesTooSlowly() throws IOException {
        String token = new HttpApi(port).token("slow-uploader");
        String boundary = "slowboundary";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\n" + "z".repeat(200)
                + "\r\n--" + boundary + "--\r\n";
        Map<Integer, String> outcomes = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        slowClient(0, "POST /api/video/tasks HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: multipart/form-data; boundary=" + boundary + "\r\nContent-Length: " + body.length()
                + "\r\n\r\n", body, outcomes);
        await().atMost(Duration.ofSeconds(20)).until(() -> outcomes.containsKey(0));
        assertThat(outcomes.get(0)).doesNotStartWith("HTTP/1.1 2");
        // the grace is 5 s here; a body at 1 byte/s is cut off soon after it, long before its 200 bytes arrive
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(15));
    }
}
