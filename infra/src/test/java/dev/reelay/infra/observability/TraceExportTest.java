package dev.reelay.infra.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.PostgresInitializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With tracing on, spans leave over OTLP/HTTP, and the trace id of a request's span is the {@code traceId} in the
 * response and in the events the request wrote: one id to follow from an audit record to the trace. The collector
 * is a plain HTTP server that keeps each export's bytes (OTLP protobuf: trace ids appear as their 16 raw bytes).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"management.tracing.enabled=true", "management.tracing.sampling.probability=1.0"})
@ContextConfiguration(initializers = PostgresInitializer.class)
@ActiveProfiles("test")
@AutoConfigureObservability
class TraceExportTest {

    static final List<byte[]> exports = new CopyOnWriteArrayList<>();
    static final HttpServer collector = startCollector();

    static HttpServer startCollector() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/v1/traces", exchange -> {
                exports.add(exchange.getRequestBody().readAllBytes());
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void collectorEndpoint(DynamicPropertyRegistry registry) {
        registry.add("management.otlp.tracing.endpoint",
                () -> "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces");
    }

    @AfterAll
    static void stopCollector() {
        collector.stop(0);
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ObjectMapper objectMapper;

    @Test
    void aRequestsSpanIsExportedUnderTheTraceIdItsEventsCarry() throws IOException {
        HttpApi api = new HttpApi(port);
        HttpApi.Response created = api.postJson("/api/video/tasks", api.token("tina"),
                "{\"prompt\":\"a kite over the dunes\",\"model\":\"sora-2\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String traceId = created.header("X-Trace-Id");
        assertThat(traceId).matches("[0-9a-f]{32}");
        String videoId = created.json().at("/data/videoId").asText();

        byte[] metadata = jdbc.queryForObject("select meta_data from domain_event_entry where aggregate_identifier = ? "
                + "and sequence_number = 0", byte[].class, videoId);
        JsonNode audit = objectMapper.readTree(new String(metadata, StandardCharsets.UTF_8));
        assertThat(audit.get("traceId").asText()).isEqualTo(traceId);

        byte[] raw = HexFormat.of().parseHex(traceId);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> exports.stream().anyMatch(body -> contains(body, raw)));

        // a route that names a task tags its span with the task id
        HttpApi.Response read = api.get("/api/video/tasks/" + videoId, api.token("tina"));
        assertThat(read.status()).isEqualTo(200);
        byte[] readTrace = HexFormat.of().parseHex(read.header("X-Trace-Id"));
        byte[] videoIdBytes = videoId.getBytes(StandardCharsets.UTF_8);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> exports.stream().anyMatch(body -> contains(body, readTrace)
                        && contains(body, "reelay.video_id".getBytes(StandardCharsets.UTF_8)) && contains(body, videoIdBytes)));

        // the create's call to the provider is a client span naming the provider and the task
        byte[] provider = "reelay.provider".getBytes(StandardCharsets.UTF_8);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> exports.stream().anyMatch(body -> contains(body, provider)
                        && contains(body, "sandbox".getBytes(StandardCharsets.UTF_8)) && contains(body, videoIdBytes)));
    }

    @Test
    void anIncomingTraceparentIsContinued() {
        HttpApi api = new HttpApi(port);
        String incoming = "4bf92f3577b34da6a3ce929d0e0e4736";
        HttpApi.Response listed = api.send("GET", "/api/video/tasks", api.token("tina"), null, null,
                java.util.Map.of("traceparent", "00-" + incoming + "-00f067aa0ba902b7-01"));
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.header("X-Trace-Id")).isEqualTo(incoming);
        byte[] raw = HexFormat.of().parseHex(incoming);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> exports.stream().anyMatch(body -> contains(body, raw)));
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
