package dev.reelay.infra.security;

import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The management surface over real HTTP: metrics for admins only, health details for admins only, and metric
 * labels that carry route templates, never a provider's job id.
 */
@ReelayIntegrationTest
class ManagementAccessTest {

    static final List<String> METRICS = List.of("/actuator/prometheus", "/actuator/metrics",
            "/actuator/metrics/http.server.requests");

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void metricsAreRefusedToAnonymousCallersAndToUsersAndServedToAdmins() {
        HttpApi api = new HttpApi(port);
        String user = api.token("metrics-user", "user");
        String admin = api.token("metrics-admin", "admin");
        for (String path : METRICS) {
            HttpApi.Response anonymous = api.get(path, null);
            assertThat(anonymous.status()).as(path).isEqualTo(401);
            assertThat(anonymous.contentType()).as(path).startsWith("application/problem+json");
            assertThat(anonymous.json().get("code").asText()).isEqualTo("UNAUTHENTICATED");

            HttpApi.Response asUser = api.get(path, user);
            assertThat(asUser.status()).as(path).isEqualTo(403);
            assertThat(asUser.json().get("code").asText()).isEqualTo("FORBIDDEN");

            assertThat(api.get(path, admin).status()).as(path).isEqualTo(200);
        }
        assertThat(api.get("/actuator/prometheus", admin).body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void requestsAreObservedButSpringSecuritysFiltersAreNot() {
        HttpApi api = new HttpApi(port);
        String admin = api.token("observed-admin", "admin");
        assertThat(api.get("/api/video/tasks", api.token("observed-user")).status()).isEqualTo(200);
        assertThat(api.get("/api/video/tasks", null).status()).isEqualTo(401);

        List<String> names = new ArrayList<>();
        api.get("/actuator/metrics", admin).json().get("names").forEach(name -> names.add(name.asText()));
        assertThat(names).contains("http.server.requests");
        assertThat(names).as("one observation per security filter costs CPU on every request (issue 16)")
                .noneMatch(name -> name.startsWith("spring.security."));
        assertThat(names).as("looked up at every request's start, read by nothing (issue 16)")
                .doesNotContain("http.server.requests.active");
        assertThat(names).doesNotContain("logback.events");
        assertThat(((LoggerContext) LoggerFactory.getILoggerFactory()).getTurboFilterList())
                .as("a turbo filter runs on every level check of every logger, logged or not (issue 16)").isEmpty();
    }

    @Test
    void healthShowsItsComponentsOnlyToAdmins() {
        HttpApi api = new HttpApi(port);
        for (String token : new String[]{null, api.token("health-user", "user")}) {
            HttpApi.Response health = api.get("/actuator/health", token);
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().get("status").asText()).isEqualTo("UP");
            assertThat(health.json().has("components")).as(health.body()).isFalse();
            assertThat(health.body()).doesNotContain("PostgreSQL").doesNotContain("validationQuery");
        }
        JsonNode forAdmin = api.get("/actuator/health", api.token("health-admin", "admin")).json();
        assertThat(forAdmin.at("/components/db/status").asText()).as(forAdmin.toString()).isEqualTo("UP");
        assertThat(forAdmin.at("/components/db/details/database").asText()).isEqualTo("PostgreSQL");
    }

    @Test
    void providerCallsAreLabelledWithTheirRouteTemplateNotTheJobId() {
        HttpApi api = new HttpApi(port);
        String token = api.token("labels-user");
        HttpApi.Response created = api.postJson("/api/video/tasks", token,
                "{\"prompt\":\"a labelled fox\",\"model\":\"sora-2\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String videoId = created.json().at("/data/videoId").asText();
        // the sandbox job is created and then polled: both go through the provider's WebClient
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                jdbc.queryForObject("select count(*) from upstream_call where video_id = ? and operation = 'retrieve'",
                        Integer.class, videoId) > 0);
        String externalId = jdbc.queryForObject("select external_task_id from upstream_binding where video_id = ?",
                String.class, videoId);

        String prometheus = api.get("/actuator/prometheus", api.token("labels-admin", "admin")).body();
        List<String> clientLines = prometheus.lines().filter(l -> l.startsWith("http_client_requests")).toList();
        assertThat(clientLines).as("client request metrics").isNotEmpty();
        assertThat(clientLines).anyMatch(l -> l.contains("uri=\"/sandbox/v1/videos/{id}\""));
        assertThat(clientLines).as("a provider call names its provider").anyMatch(l -> l.contains("uri=\"/sandbox/v1/videos/{id}\"")
                && l.contains("reelay_provider=\"sandbox\""));
        assertThat(prometheus).doesNotContain(externalId).doesNotContain(videoId);

        // the copy-on-complete download goes through another WebClient: it is labelled by its route template too
        String admin = api.token("labels-admin", "admin");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                api.get("/actuator/prometheus", admin).body().lines().anyMatch(l -> l.startsWith("http_client_requests")
                        && l.contains("uri=\"/sandbox/v1/videos/{id}/content\"") && l.contains("reelay_provider=\"sandbox\"")));
        assertThat(api.get("/actuator/prometheus", admin).body()).doesNotContain(externalId).doesNotContain(videoId);
    }
}
