package dev.reelay.infra.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.command.upstream.UpstreamSaga;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.kernel.command.CompleteTask;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventProcessor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Broken object-level authorization, route by route: for every route that takes a task id, another user (bob) gets
 * exactly what he would get for an id that does not exist (404, same code, no trace of the task), an anonymous
 * caller gets 401, and nothing bob tries changes alice's tasks.
 *
 * <p>The table below is the contract; task routes ({@code /api/video/**}, {@code /v1/**}) with a path variable found in
 * the MVC mappings but missing from it are added with a generic request, so a new id route (e.g.
 * {@code /api/video/tasks/{id}/lineage}) is covered as soon as its controller exists.
 *
 * <p>The upstream saga is stopped (own Spring context, see the property) so that no poll or submission appends
 * events to alice's tasks while we compare event counts.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.sandbox.job-duration=1h", "reelay.test.context=object-level-authorization"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObjectLevelAuthorizationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALICE_PROMPT = "alice private prompt 5f1e9c a heron over a misty lake";
    private static final String ALICE_QUEUED_PROMPT = "alice private prompt 77ab02 still waiting";
    private static final String EVENT = "dev.reelay.kernel.event.";

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CommandGateway commands;
    @Autowired
    EventProcessingConfiguration eventProcessing;
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private HttpApi api;
    private String alice;
    private String bob;
    private String completedTask;
    private String queuedTask;
    private final Map<String, Snapshot> before = new LinkedHashMap<>();

    record Snapshot(String status, long events, long lastSequence, String prompt) {
    }

    /** One request shape against a task id; {@code {id}} in the path is replaced. */
    record Route(String label, String method, String path, String contentType, String body, Map<String, String> headers,
                 boolean viaStreamTicket) {
        static Route get(String path) {
            return new Route("GET " + path, "GET", path, null, null, Map.of(), false);
        }

        static Route json(String method, String path, String body) {
            return new Route(method + " " + path + " (json)", method, path, "application/json", body, Map.of(), false);
        }

        boolean openAi() {
            return path.startsWith("/v1/");
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** The routes with a task id, as of this writing; the discovered ones are appended by {@link #routes()}. */
    static List<Route> table() {
        List<Route> rows = new ArrayList<>();
        rows.add(Route.get("/api/video/tasks/{id}"));
        rows.add(Route.get("/api/video/tasks/{id}/history"));
        rows.add(Route.get("/api/video/tasks/{id}/upstream-calls"));
        rows.add(Route.get("/api/video/tasks/{id}/content"));
        rows.add(Route.get("/api/video/tasks/{id}/content?variant=thumbnail"));
        rows.add(new Route("GET /api/video/tasks/{id}/content with Range", "GET", "/api/video/tasks/{id}/content",
                null, null, Map.of("Range", "bytes=0-99"), false));
        rows.add(new Route("GET /api/video/tasks/{id}/events (SSE, bearer)", "GET", "/api/video/tasks/{id}/events",
                null, null, Map.of("Accept", "text/event-stream"), false));
        rows.add(new Route("GET /api/video/tasks/{id}/events?lastEventId=0 (SSE, bearer)", "GET",
                "/api/video/tasks/{id}/events?lastEventId=0", null, null,
                Map.of("Accept", "text/event-stream", "Last-Event-ID", "0"), false));
        rows.add(new Route("GET /api/video/tasks/{id}/events (SSE, stream ticket)", "GET", "/api/video/tasks/{id}/events",
                null, null, Map.of("Accept", "text/event-stream"), true));
        rows.add(Route.json("POST", "/api/video/tasks/{id}/cancel", "{\"reason\":\"bob was here\"}"));
        rows.add(new Route("POST /api/video/tasks/{id}/cancel (no body)", "POST", "/api/video/tasks/{id}/cancel",
                null, null, Map.of(), false));
        rows.add(Route.json("POST", "/api/video/tasks/{id}/remix", "{\"prompt\":\"bob steals the heron\"}"));
        rows.add(new Route("POST /api/video/tasks/{id}/remix (json, Idempotency-Key)", "POST", "/api/video/tasks/{id}/remix",
                "application/json", "{\"prompt\":\"bob steals the heron\",\"model\":\"sora-2-pro\"}",
                Map.of("Idempotency-Key", "bob-remix-" + UUID.randomUUID()), false));
        rows.add(Route.get("/v1/videos/{id}"));
        rows.add(Route.get("/v1/videos?after={id}"));
        rows.add(new Route("DELETE /v1/videos/{id}", "DELETE", "/v1/videos/{id}", null, null, Map.of(), false));
        rows.add(Route.json("POST", "/v1/videos/{id}/remix", "{\"prompt\":\"bob steals the heron\"}"));
        String boundary = "bobboundary7d1";
        rows.add(new Route("POST /v1/videos/{id}/remix (multipart)", "POST", "/v1/videos/{id}/remix",
                "multipart/form-data; boundary=" + boundary,
                "--" + boundary + "\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nbob steals the heron\r\n--"
                        + boundary + "--\r\n", Map.of(), false));
        rows.add(Route.get("/v1/videos/{id}/content"));
        rows.add(Route.get("/v1/videos/{id}/content?variant=thumbnail"));
        return rows;
    }

    /** The table plus any mapped route with a path variable the table does not cover (generic request). */
    List<Route> routes() {
        List<Route> rows = table();
        Set<String> covered = new LinkedHashSet<>();
        for (Route r : rows) {
            covered.add(r.method() + " " + r.path().replaceAll("\\?.*$", ""));
        }
        for (Map.Entry<RequestMappingInfo, ?> entry : mappings.getHandlerMethods().entrySet()) {
            RequestMappingInfo info = entry.getKey();
            Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
            for (String pattern : info.getPatternValues()) {
                // task routes only: admin routes are role-gated (403 for bob by design), sandbox/webhooks/dev are not user routes
                if (!pattern.contains("{") || !(pattern.startsWith("/api/video/") || pattern.startsWith("/v1/"))) {
                    continue;
                }
                String path = pattern.replaceAll("\\{[^}]+}", "{id}");
                for (RequestMethod m : methods.isEmpty() ? Set.of(RequestMethod.GET) : methods) {
                    if (covered.add(m.name() + " " + path)) {
                        boolean multipartOnly = info.getConsumesCondition().getConsumableMediaTypes().stream()
                                .allMatch(t -> t.getType().equals("multipart"))
                                && !info.getConsumesCondition().isEmpty();
                        Route generic = m == RequestMethod.GET || m == RequestMethod.DELETE
                                ? new Route(m + " " + path + " (discovered)", m.name(), path, null, null,
                                Map.of("Accept", "*/*"), false)
                                : multipartOnly ? null
                                : new Route(m + " " + path + " (discovered)", m.name(), path, "application/json",
                                "{\"prompt\":\"bob was here\"}", Map.of(), false);
                        if (generic != null) {
                            System.out.println("[object-level-authz] covering a route missing from the table: " + generic);
                            rows.add(generic);
                        }
                    }
                }
            }
        }
        return rows;
    }

    Stream<Arguments> bobsAttempts() {
        return routes().stream().flatMap(r -> Stream.of(Arguments.of(r, "completed"), Arguments.of(r, "queued")));
    }

    Stream<Route> anonymousAttempts() {
        return routes().stream();
    }

    @BeforeAll
    void aliceHasACompletedAndAQueuedTask() {
        eventProcessing.eventProcessor(UpstreamSaga.GROUP).ifPresent(EventProcessor::shutDown);
        api = new HttpApi(port);
        alice = api.token("alice-olat");
        bob = api.token("bob-olat");
        completedTask = submit(ALICE_PROMPT);
        queuedTask = submit(ALICE_QUEUED_PROMPT);
        commands.sendAndWait(new CompleteTask(new VideoId(completedTask), "https://provider.example/v/olat",
                Instant.now().plusSeconds(3600), 4, "720x1280", Instant.now()));
        awaitStatus(completedTask, "COMPLETED");
        awaitStatus(queuedTask, "QUEUED");
        before.put(completedTask, snapshot(completedTask));
        before.put(queuedTask, snapshot(queuedTask));
        // the ids are right: alice and an admin can read both tasks
        for (String id : before.keySet()) {
            assertThat(api.get("/api/video/tasks/" + id, alice).status()).isEqualTo(200);
            assertThat(api.get("/api/video/tasks/" + id + "/history", alice).status()).isEqualTo(200);
            assertThat(api.get("/api/video/tasks/" + id + "/upstream-calls", alice).status()).isEqualTo(200);
            assertThat(api.get("/v1/videos/" + id, alice).status()).isEqualTo(200);
            assertThat(api.get("/api/video/tasks/" + id, api.token("root-olat", "admin")).status()).isEqualTo(200);
        }
    }

    @Order(1)
    @ParameterizedTest(name = "bob: {0} on alice''s {1} task is 404 like a missing task")
    @MethodSource("bobsAttempts")
    void bobCannotTellAlicesTaskFromAMissingOne(Route route, String which) {
        String id = which.equals("completed") ? completedTask : queuedTask;
        Answer answer = call(route, id, bob);
        String what = route + " on " + which + " task " + id + " as bob -> " + answer;

        assertThat(answer.status()).as(what).isNotEqualTo(403).isNotEqualTo(200).isEqualTo(404);
        assertThat(answer.body()).as(what).doesNotContain(ALICE_PROMPT).doesNotContain(ALICE_QUEUED_PROMPT)
                .doesNotContain("alice-olat").doesNotContain("provider.example");
        String code = errorCode(route, answer, what);
        assertThat(code).as("%s: a handler answered, not 'no such route'", what).isNotIn("NOT_FOUND", "not_found");

        // an id that does not exist gets the very same answer: no existence oracle
        Answer missing = call(route, VideoId.random().value(), bob);
        String whatMissing = route + " on a random id as bob -> " + missing;
        assertThat(missing.status()).as(whatMissing).isEqualTo(answer.status());
        assertThat(errorCode(route, missing, whatMissing)).as(whatMissing).isEqualTo(code);
    }

    @Order(2)
    @ParameterizedTest(name = "anonymous: {0} is 401")
    @MethodSource("anonymousAttempts")
    void anAnonymousCallerIsUnauthenticated(Route route) {
        Answer answer = call(route, completedTask, null);
        String what = route + " anonymously -> " + answer;
        assertThat(answer.status()).as(what).isEqualTo(401);
        assertThat(answer.body()).as(what).doesNotContain(ALICE_PROMPT);
        if (route.openAi()) {
            assertThat(json(answer, what).at("/error/type").asText()).as(what).isEqualTo("authentication_error");
        } else {
            assertThat(answer.contentType()).as(what).startsWith("application/problem+json");
            assertThat(json(answer, what).path("code").asText()).as(what).isEqualTo("UNAUTHENTICATED");
        }
    }

    @Order(3)
    @Test
    void bobsListsNeverShowAlicesTasks() {
        for (String path : List.of("/api/video/tasks?limit=100", "/api/video/tasks?owner=alice-olat",
                "/api/video/tasks?remixOf=" + completedTask, "/api/video/tasks?root=" + completedTask,
                "/api/video/tasks?page=0&size=100", "/v1/videos?limit=100")) {
            HttpApi.Response response = api.get(path, bob);
            assertThat(response.status()).as(path + " -> " + response.body()).isEqualTo(200);
            assertThat(response.body()).as(path).doesNotContain(completedTask).doesNotContain(queuedTask)
                    .doesNotContain(ALICE_PROMPT).doesNotContain(ALICE_QUEUED_PROMPT);
        }
    }

    @Order(4)
    @Test
    void afterAllOfBobsAttemptsAlicesTasksAreUnchanged() {
        for (Map.Entry<String, Snapshot> e : before.entrySet()) {
            assertThat(snapshot(e.getKey())).as("task %s after bob's attempts", e.getKey()).isEqualTo(e.getValue());
            HttpApi.Response view = api.get("/api/video/tasks/" + e.getKey(), alice);
            assertThat(view.status()).isEqualTo(200);
            assertThat(view.json().at("/data/status").asText()).isEqualTo(e.getValue().status());
        }
        // bob created nothing, neither a remix of alice's task nor anything else
        assertThat(jdbc.queryForObject("select count(*) from task_view where owner = 'bob-olat'", Long.class)).isZero();
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where payload_type = ?",
                Long.class, EVENT + "RemixRequested")).isZero();
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry "
                + "where convert_from(meta_data, 'UTF8') like '%\"principal\":\"bob-olat\"%'", Long.class)).isZero();
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where payload_type = ?",
                Long.class, EVENT + "TaskSubmitted")).isEqualTo(2L);
    }

    // ---------------------------------------------------------------- helpers

    record Answer(int status, String contentType, String body) {
        @Override
        public String toString() {
            String b = body.length() > 400 ? body.substring(0, 400) + "..." : body;
            return status + " " + contentType + " " + b;
        }
    }

    /** Sends one request; an SSE stream that opens is recorded, not followed (it would never end). */
    private Answer call(Route route, String id, String token) {
        String path = route.path().replace("{id}", id);
        if (route.viaStreamTicket()) {
            String ticket = token == null ? "forged-" + UUID.randomUUID()
                    : api.postJson("/api/video/stream-tickets", token, "{}").json().at("/data/ticket").asText();
            path += (path.contains("?") ? "&" : "?") + "ticket=" + ticket;
            token = null;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(20));
        route.headers().forEach(request::header);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (route.contentType() != null) {
            request.header("Content-Type", route.contentType());
        }
        request.method(route.method(), route.body() == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(route.body()));
        try {
            HttpResponse<InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            String contentType = response.headers().firstValue("Content-Type").orElse("");
            try (InputStream in = response.body()) {
                if (response.statusCode() == 200 && contentType.startsWith("text/event-stream")) {
                    return new Answer(200, contentType, "<an SSE stream opened>");
                }
                return new Answer(response.statusCode(), contentType, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException(route + " failed on the wire", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(Answer answer, String what) {
        try {
            return JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + what, e);
        }
    }

    /** The error code in the route's dialect: problem+json {@code code}, or OpenAI {@code error.code}. */
    private static String errorCode(Route route, Answer answer, String what) {
        JsonNode body = json(answer, what);
        if (route.openAi()) {
            assertThat(answer.contentType()).as(what).startsWith("application/json");
            assertThat(body.path("error").isObject()).as(what).isTrue();
            return body.at("/error/code").asText();
        }
        assertThat(answer.contentType()).as(what).startsWith("application/problem+json");
        return body.path("code").asText();
    }

    private String submit(String prompt) {
        HttpApi.Response created = api.postJson("/api/video/tasks", alice,
                "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }

    private void awaitStatus(String id, String status) {
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            HttpApi.Response view = api.get("/api/video/tasks/" + id, alice);
            assertThat(view.status()).isEqualTo(200);
            assertThat(view.json().at("/data/status").asText()).isEqualTo(status);
            // the snapshots read the projected row: wait for it too (a read by id folds the task's events)
            assertThat(jdbc.queryForObject("select status from task_view where video_id = ?", String.class, id))
                    .isEqualTo(status);
        });
    }

    private Snapshot snapshot(String id) {
        Map<String, Object> events = jdbc.queryForMap("select count(*) n, coalesce(max(sequence_number), -1) last "
                + "from domain_event_entry where aggregate_identifier = ?", id);
        Map<String, Object> view = jdbc.queryForMap("select status, prompt from task_view where video_id = ?", id);
        return new Snapshot((String) view.get("status"), ((Number) events.get("n")).longValue(),
                ((Number) events.get("last")).longValue(), (String) view.get("prompt"));
    }
}
