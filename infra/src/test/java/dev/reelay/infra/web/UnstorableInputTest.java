package dev.reelay.infra.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Input PostgreSQL cannot take never gets that far: a NUL (or any control character) in a query parameter or a path,
 * and instants outside years 0001-9999, are a 400 naming the parameter, in the route's error dialect, with at most
 * one log line and no stack trace. Sent over a real socket, percent-encoded as a client would.
 */
@ReelayIntegrationTest
@ExtendWith(OutputCaptureExtension.class)
class UnstorableInputTest {

    private static final String SOME_TASK = "video_00000000-0000-0000-0000-000000000000";

    @LocalServerPort
    int port;
    HttpApi api;
    String token;
    String admin;

    @BeforeEach
    void setUp() {
        api = new HttpApi(port);
        token = api.token("unstorable");
        admin = api.token("unstorable-admin", "admin");
    }

    @ParameterizedTest(name = "GET {0} is 400 naming {1}")
    @CsvSource(delimiter = '|', value = {
            "/api/video/tasks?model=sora-2%00                          | model",
            "/api/video/tasks?remixOf=%00                              | remixOf",
            "/api/video/tasks?root=video_%00                           | root",
            "/api/video/tasks?status=QUEUED%00                         | status",
            "/api/video/tasks?mediaType=%00VIDEO                       | mediaType",
            "/api/video/tasks?cursor=abc%00                            | cursor",
            "/api/video/tasks?owner=al%00ice                           | owner",
            "/api/video/tasks?model=a%0Ab                              | model",
            "/api/video/tasks?model=%1B%5B31m                          | model",
            "/api/video/tasks?mo%00del=x                               | mo?del",
            "/api/video/tasks?page=0&size=10&model=%00                 | model",
            "/api/video/stats?from=%00                                 | from",
            "/api/video/tasks/" + SOME_TASK + "/lineage?after=%00      | after",
            "/api/video/tasks/" + SOME_TASK + "/content?variant=%00    | variant",
            "/api/video/tasks/stream?lastEventId=%00                   | lastEventId",
            "/v1/videos?after=%00                                      | after",
            "/v1/videos?order=asc%00                                   | order",
            "/v1/videos/" + SOME_TASK + "/content?variant=video%00     | variant",
    })
    void aControlCharacterInAQueryParameterIsA400NamingIt(String path, String parameter, CapturedOutput output) {
        assertRefusedNaming("GET", path, admin, parameter, output);
    }

    @ParameterizedTest(name = "{0} {1} is 400")
    @CsvSource(delimiter = '|', value = {
            "GET    | /api/video/tasks/%01",
            "GET    | /api/video/tasks/video_%0A/history",
            "GET    | /api/video/tasks/video_%01/lineage",
            "GET    | /api/video/tasks/abc%1Bdef/upstream-calls",
            "GET    | /api/video/tasks/%7F/events",
            "POST   | /api/video/tasks/%01/cancel",
            "POST   | /api/video/tasks/%0D/remix",
            "GET    | /v1/videos/%01",
            "DELETE | /v1/videos/%01",
            "GET    | /v1/videos/%1F/content",
            "GET    | /api/admin/users/al%01ice/quota",
            "PUT    | /api/admin/users/al%0Aice/limits",
    })
    void aControlCharacterInThePathIsA400(String method, String path, CapturedOutput output) {
        int before = output.length();
        HttpApi.Response response = api.send(method, path, admin, "application/json",
                "{\"prompt\":\"p\"}".getBytes(StandardCharsets.UTF_8), Map.of());
        assertThat(response.status()).as("%s %s -> %s", method, path, response.body()).isEqualTo(400);
        assertDialect(path, response);
        assertQuietLog(output, before);
    }

    /**
     * Tomcat itself refuses an encoded NUL in a path before any application code runs: a 400, never a 500. (Its page
     * is the container's own; giving container errors the problem+json shape is a separate piece of work.)
     */
    @ParameterizedTest(name = "{0} {1} is 400")
    @CsvSource(delimiter = '|', value = {
            "GET    | /api/video/tasks/%00",
            "GET    | /api/video/tasks/video_%00/history",
            "POST   | /api/video/tasks/%00/cancel",
            "GET    | /v1/videos/%00",
            "GET    | /api/admin/users/al%00ice/quota",
    })
    void anEncodedNulInThePathIsA400(String method, String path) {
        HttpApi.Response response = api.send(method, path, admin, "application/json",
                "{}".getBytes(StandardCharsets.UTF_8), Map.of());
        assertThat(response.status()).as("%s %s -> %s", method, path, response.body()).isEqualTo(400);
    }

    @ParameterizedTest(name = "{0}={1} is 400 naming it")
    @CsvSource(delimiter = '|', value = {
            "/api/video/tasks?createdFrom | -999999999-01-01T00:00:00Z",
            "/api/video/tasks?createdFrom | %2B300000-01-01T00:00:00Z",
            "/api/video/tasks?createdTo   | %2B10000-01-01T00:00:00Z",
            "/api/video/tasks?createdTo   | 0000-12-31T23:59:59Z",
            "/api/video/tasks?createdFrom | %2B1000000000-01-01T00:00:00Z",
            "/api/video/stats?from        | -999999999-01-01T00:00:00Z",
            "/api/video/stats?to          | %2B300000-01-01T00:00:00Z",
    })
    void anInstantOutsideYears1To9999IsA400NamingTheParameter(String pathAndName, String value, CapturedOutput output) {
        String parameter = pathAndName.substring(pathAndName.indexOf('?') + 1);
        assertRefusedNaming("GET", pathAndName + "=" + value, token, parameter, output);
    }

    @Test
    void instantsInsideTheRangeStillFilter() {
        HttpApi.Response created = api.postJson("/api/video/tasks", token, "{\"prompt\":\"in range\",\"model\":\"sora-2\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(api.get(
                "/api/video/tasks?createdFrom=0001-01-01T00:00:00Z&createdTo=9999-12-31T23:59:59Z", token).body()).contains(id));
        assertThat(api.get("/api/video/tasks?createdFrom=2000-01-01T01:00:00%2B01:00", token).body()).contains(id);
        assertThat(api.get("/api/video/tasks?createdFrom=9999-01-01T00:00:00Z", token).body()).doesNotContain(id);
        assertThat(api.get("/api/video/stats?from=0001-01-01T00:00:00Z&to=9999-12-31T00:00:00Z", token).status())
                .isEqualTo(200);
    }

    @ParameterizedTest(name = "a made-up cursor {0} is refused, not a 500")
    @CsvSource({
            "'1:0:video_a\u0000b'",
            "'99999999999999:0:" + SOME_TASK + "'",
            "'-99999999999:0:" + SOME_TASK + "'",
            "'1700000000:0:x'",
    })
    void aCursorThatDecodesToUnstorableValuesIsRefused(String raw) {
        String cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
        HttpApi.Response response = api.get("/api/video/tasks?cursor=" + cursor, token);
        assertThat(response.status()).as(response.body()).isBetween(400, 422);
        assertThat(response.json().at("/errors/0/field").asText()).isEqualTo("cursor");
    }

    @Test
    void aLineageCursorWithAnInstantOutOfRangeIsRefused() {
        HttpApi.Response created = api.postJson("/api/video/tasks", token, "{\"prompt\":\"lineage\",\"model\":\"sora-2\"}");
        String id = created.json().at("/data/videoId").asText();
        String raw = id + ":1:99999999999999:0:" + SOME_TASK;
        String after = Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
        HttpApi.Response response = api.get("/api/video/tasks/" + id + "/lineage?after=" + after, token);
        assertThat(response.status()).as(response.body()).isBetween(400, 422);
        assertThat(response.json().at("/errors/0/field").asText()).isEqualTo("after");
    }

    private void assertRefusedNaming(String method, String path, String bearer, String parameter, CapturedOutput output) {
        int before = output.length();
        HttpApi.Response response = api.send(method, path, bearer, null, null, Map.of());
        assertThat(response.status()).as("%s -> %s", path, response.body()).isEqualTo(400);
        assertDialect(path, response);
        JsonNode body = response.json();
        String named = path.startsWith("/v1/") ? body.at("/error/param").asText() : body.at("/errors/0/field").asText();
        assertThat(named).as(response.body()).isEqualTo(parameter);
        assertQuietLog(output, before);
    }

    private static void assertDialect(String path, HttpApi.Response response) {
        if (path.startsWith("/v1/")) {
            assertThat(response.json().at("/error/type").asText()).as(response.body()).isEqualTo("invalid_request_error");
        } else {
            assertThat(response.contentType()).as(response.body()).startsWith("application/problem+json");
            assertThat(response.json().path("code").asText()).isEqualTo("MALFORMED_REQUEST");
        }
    }

    /** What the request added to the log: no stack trace, no error, at most one line about it. */
    private static void assertQuietLog(CapturedOutput output, int before) {
        String added = output.toString().substring(Math.min(before, output.length()));
        assertThat(added).doesNotContain("\tat ").doesNotContain(" ERROR ").doesNotContain("Exception");
        assertThat(added.lines().filter(l -> l.contains("ParameterGuard") || l.contains("ProblemHandler")).count())
                .isLessThanOrEqualTo(1);
    }
}
