package dev.reelay.infra.persistence;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.TcpProxy;
import dev.reelay.infra.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.ContextConfiguration;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL goes away under the app and comes back (played by cutting a TCP relay in front of it): requests during
 * the outage get a 503 problem with {@code Retry-After}, never a 500; the app recovers by itself once the database is
 * back, and every task that got a 201 is there and runs to the end.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.datasource.hikari.connection-timeout=2000")
@ContextConfiguration(initializers = DatabaseOutageTest.ThroughRelay.class)
@ActiveProfiles("test")
@AutoConfigureObservability(tracing = false)
class DatabaseOutageTest {

    static TcpProxy relay;

    /** The context's own database, reached through the relay. */
    static class ThroughRelay implements ApplicationContextInitializer<ConfigurableApplicationContext> {
        @Override
        public void initialize(ConfigurableApplicationContext context) {
            String[] db = TestDatabase.newDatabase();
            URI server = URI.create(db[0].substring("jdbc:".length()));
            try {
                relay = new TcpProxy(server.getHost(), server.getPort());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            String url = db[0].replace(server.getHost() + ":" + server.getPort(), "127.0.0.1:" + relay.port());
            TestPropertyValues.of("spring.datasource.url=" + url, "spring.datasource.username=" + db[1],
                    "spring.datasource.password=" + db[2], "reelay.embedded-db.enabled=false").applyTo(context.getEnvironment());
        }
    }

    @LocalServerPort
    int port;

    @AfterAll
    static void closeRelay() throws IOException {
        if (relay != null) {
            relay.restore();
        }
    }

    private static final String BODY = "{\"prompt\":\"a lighthouse in a storm\",\"model\":\"sora-2\",\"seconds\":4}";

    @Test
    void anOutageAnswers503WithRetryAfterAndLosesNoAcceptedTask() {
        HttpApi api = new HttpApi(port);
        String token = api.token("olga");
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpApi.Response created = api.postJson("/api/video/tasks", token, BODY);
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            accepted.add(created.json().at("/data/videoId").asText());
        }

        // each task has its job at the provider before the cut: the test's provider is the in-process sandbox, which
        // keeps its jobs in this same database, so a submission caught by the outage would find the provider down too
        // and fail the task as retryable after its few retries (what a real provider outage does, not this test's)
        for (String videoId : accepted) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(api.get("/api/video/tasks/" + videoId, token).json().at("/data/externalTaskId").asText())
                            .isNotBlank());
        }
        relay.cut();
        try {
            for (HttpApi.Response during : List.of(
                    api.postJson("/api/video/tasks", token, BODY),
                    api.get("/api/video/tasks", token),
                    api.get("/api/video/tasks/" + accepted.get(0), token),
                    api.get("/v1/videos/" + accepted.get(0), token))) {
                assertThat(during.status()).as(during.body()).isEqualTo(503);
                assertThat(during.header("Retry-After")).isEqualTo("5");
                assertThat(during.body()).containsIgnoringCase("DATABASE_UNAVAILABLE").doesNotContain("Exception")
                        .doesNotContain("PSQL");
            }
        } finally {
            relay.restore();
        }

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> api.get("/api/video/tasks", token).status() == 200);
        HttpApi.Response after = api.postJson("/api/video/tasks", token, BODY);
        assertThat(after.status()).as(after.body()).isEqualTo(201);
        accepted.add(after.json().at("/data/videoId").asText());

        // the saga and the projections came back too: every accepted task runs to the end on the sandbox
        for (String videoId : accepted) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                HttpApi.Response task = api.get("/api/video/tasks/" + videoId, token);
                assertThat(task.status()).isEqualTo(200);
                assertThat(task.json().at("/data/status").asText()).isEqualTo("COMPLETED");
            });
        }
    }
}
