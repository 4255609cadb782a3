package dev.reelay.infra.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Errors the servlet container produces itself, provoked with raw bytes on a real socket: each answers in the same
 * problem+json shape with a stable code (the OpenAI envelope under {@code /v1/**}), never Tomcat's HTML page or
 * Spring's default JSON. And a 416 never carries the file.
 */
@ReelayIntegrationTest
class ContainerErrorsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;

    @Test
    void anOversizedHeaderIsAProblem() throws IOException {
        String big = "x".repeat(20_000);
        for (String path : new String[]{"/api/video/tasks", "/v1/videos"}) {
            Raw response = send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + big
                    + "\r\nConnection: close\r\n\r\n");
            assertError(response, path, 400, "MALFORMED_REQUEST");
        }
    }

    @Test
    void invalidCharactersInAHeaderAreAProblem() throws IOException {
        for (String header : new String[]{"Bad Name: value", "X-Ctl: a\u0001b", "X-Del: a\u007Fb", "(x): y"}) {
            for (String path : new String[]{"/api/video/tasks", "/v1/videos"}) {
                Raw response = send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + header
                        + "\r\nConnection: close\r\n\r\n");
                assertError(response, path + " with " + header.replace("\u0001", "\\x01"), 400, "MALFORMED_REQUEST");
            }
        }
    }

    @Test
    void badCharactersInThePathAreAProblem() throws IOException {
        List<String> failures = new ArrayList<>();
        for (String prefix : new String[]{"/api/video/tasks/", "/v1/videos/"}) {
            for (String bad : new String[]{"%", "%zz", "a%2", "a\\b", "a\u0001b", "a\u007Fb", "a b", "%00", "a%2Fb",
                    "..%2F..%2Fetc", "a|b", "a{b}", "a\"b", "a<b>", "\u00e9"}) {
                Raw response = send("GET " + prefix + bad + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                check(failures, () -> {
                    assertThat(response.status).as("%s%s: %s", prefix, bad, response).isBetween(400, 499);
                    assertError(response, readable(prefix, bad), response.status, null);
                });
            }
        }
        assertThat(failures).isEmpty();
    }

    /**
     * Where Tomcat cannot read the request target at all (a control byte, a space or a byte over 0x7E in it) it does
     * not know the route either;
     * either shape is then acceptable, as long as it is one of the two, whole.
     */
    private static String readable(String prefix, String bad) {
        boolean unreadable = bad.chars().anyMatch(c -> c < 0x21 || c >= 0x7F);
        return unreadable ? "(unreadable target)" : prefix;
    }

    @Test
    void aMalformedChunkedBodyIsAProblemOnEveryKindOfRoute() throws IOException {
        List<String> failures = new ArrayList<>();
        HttpApi api = new HttpApi(port);
        String token = api.token("chunky");
        String[][] routes = {
                {"/api/video/tasks", "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n"},
                {"/v1/videos", "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n"},
                {"/dev/token", "Content-Type: application/json\r\n"},
                {"/webhooks/upstream/sandbox", "Content-Type: application/json\r\n"},
                {"/api/video/tasks", "Authorization: Bearer " + token + "\r\nContent-Type: multipart/form-data; boundary=b\r\n"},
                {"/v1/videos", "Authorization: Bearer " + token + "\r\nContent-Type: multipart/form-data; boundary=b\r\n"},
                // form bodies are read by Tomcat itself: their failure goes through the servlet error page
                {"/api/video/tasks", "Authorization: Bearer " + token + "\r\nContent-Type: application/x-www-form-urlencoded\r\n"},
                {"/v1/videos", "Authorization: Bearer " + token + "\r\nContent-Type: application/x-www-form-urlencoded\r\n"},
        };
        for (String[] route : routes) {
            for (String chunks : new String[]{"ZZ\r\n{\"prompt\":\"x\"}\r\n0\r\n\r\n", "5\r\n{\"prompt\":\"x\"}\r\n0\r\n\r\n",
                    "FFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n", "2\r\n{}\r\n0\r\nX", "3\r\na=%zz\r\n0\r\n\r\n"}) {
                Raw response = send("POST " + route[0] + " HTTP/1.1\r\nHost: localhost\r\n" + route[1]
                        + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks);
                check(failures, () -> {
                    assertThat(response.status).as("%s %s: %s", route[0], chunks, response).isBetween(400, 499);
                    assertError(response, route[0], response.status, null);
                });
            }
        }
        assertThat(failures).isEmpty();
    }

    private static void check(List<String> failures, Runnable assertion) {
        try {
            assertion.run();
        } catch (AssertionError e) {
            failures.add(e.getMessage());
        }
    }

    @Test
    void anUnsupportedTransferCodingOrHttpVersionIsAClientErrorNotA5xx() throws IOException {
        for (String path : new String[]{"/api/video/tasks", "/v1/videos"}) {
            Raw coding = send("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n"
                    + "Content-Type: application/json\r\nConnection: close\r\n\r\n0\r\n\r\n");
            assertThat(coding.status).as("%s: %s", path, coding).isBetween(400, 499);
            assertError(coding, path, coding.status, null);

            Raw version = send("GET " + path + " HTTP/3.7\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertThat(version.status).as("%s: %s", path, version).isBetween(400, 499);
            assertError(version, "(unreadable target)", version.status, null);
        }
    }

    @Test
    void theErrorPageAskedForDirectlyIsANotFoundProblem() throws IOException {
        Raw response = send("GET /error HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertError(response, "/error", 404, "NOT_FOUND");
    }

    @Test
    void anUnsatisfiableRangeIsA416ProblemWithoutTheFile() {
        HttpApi api = new HttpApi(port);
        String token = api.token("ranger");
        HttpApi.Response created = api.postJson("/api/video/tasks", token,
                "{\"prompt\":\"a fox out of range\",\"model\":\"sora-2\",\"seconds\":4}");
        String videoId = created.json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                "COMPLETED".equals(api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText()));
        HttpApi.Response whole = api.get("/api/video/tasks/" + videoId + "/content", token);
        assertThat(whole.status()).isEqualTo(200);
        int length = whole.raw().body().length;
        assertThat(length).isGreaterThan(1000);

        for (String range : new String[]{"bytes=" + length + "-", "bytes=999999999-1000000000", "bytes=-0", "bytes=abc",
                "items=0-1"}) {
            for (String path : new String[]{"/api/video/tasks/" + videoId + "/content", "/v1/videos/" + videoId + "/content"}) {
                HttpApi.Response refused = api.send("GET", path, token, null, null, Map.of("Range", range));
                assertThat(refused.status()).as("%s %s", path, range).isEqualTo(416);
                assertThat(refused.header("Content-Range")).isEqualTo("bytes */" + length);
                assertThat(refused.raw().body().length).as("%s %s", path, range).isLessThan(1000);
                JsonNode body = refused.json();
                if (path.startsWith("/v1/")) {
                    assertThat(body.at("/error/code").asText()).isEqualTo("range_not_satisfiable");
                } else {
                    assertThat(refused.contentType()).startsWith("application/problem+json");
                    assertThat(body.get("code").asText()).isEqualTo("RANGE_NOT_SATISFIABLE");
                }
            }
        }
        // a satisfiable range still works
        HttpApi.Response head = api.send("GET", "/api/video/tasks/" + videoId + "/content", token, null, null,
                Map.of("Range", "bytes=0-9"));
        assertThat(head.status()).isEqualTo(206);
        assertThat(head.raw().body()).hasSize(10);
    }

    // ---------------------------------------------------------------- raw HTTP

    private static void assertError(Raw response, String path, int status, String code) {
        String what = path + ": " + response;
        assertThat(response.status).as(what).isEqualTo(status);
        JsonNode body;
        try {
            body = JSON.readTree(response.body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + what, e);
        }
        boolean openAi = path.startsWith("(")
                ? response.header("content-type") != null && response.header("content-type").startsWith("application/json")
                : path.startsWith("/v1");
        if (openAi) {
            assertThat(response.header("content-type")).as(what).startsWith("application/json");
            assertThat(body.at("/error/type").asText()).as(what).isNotBlank();
            assertThat(body.at("/error/message").asText()).as(what).isNotBlank();
            assertThat(body.at("/error/code").asText()).as(what)
                    .isEqualTo(code == null ? body.at("/error/code").asText() : code.toLowerCase(Locale.ROOT))
                    .isNotBlank();
        } else {
            assertThat(response.header("content-type")).as(what).startsWith("application/problem+json");
            assertThat(body.get("status").asInt()).as(what).isEqualTo(status);
            assertThat(body.get("type").asText()).as(what).startsWith("https://reelay.dev/problems/");
            assertThat(body.get("code").asText()).as(what)
                    .isEqualTo(code == null ? body.get("code").asText() : code).isNotBlank();
        }
        assertThat(response.body).as(what).doesNotContain("<html").doesNotContain("Apache Tomcat")
                .doesNotContain("\"timestamp\"").doesNotContain("Exception");
    }

    private Raw send(String request) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            // ISO-8859-1: every char below 256 is the one byte the test means, control bytes included
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // nothing more comes: a body cut short ends here instead of waiting for the server's timeout
            socket.shutdownOutput();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    received.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // the server answered and may keep or reset the connection: parse what arrived
            }
            return Raw.parse(received.toString(StandardCharsets.ISO_8859_1));
        }
    }

    record Raw(int status, Map<String, String> headers, String body) {
        static Raw parse(String text) {
            int end = text.indexOf("\r\n\r\n");
            assertThat(end).as("a complete response head in: %s", text).isPositive();
            String[] lines = text.substring(0, end).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            String body = text.substring(end + 4);
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                body = unchunk(body);
            }
            return new Raw(status, headers, new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
        }

        private static String unchunk(String chunked) {
            StringBuilder out = new StringBuilder();
            int at = 0;
            while (at < chunked.length()) {
                int lineEnd = chunked.indexOf("\r\n", at);
                if (lineEnd < 0) {
                    break;
                }
                int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].trim(), 16);
                if (size == 0) {
                    break;
                }
                out.append(chunked, lineEnd + 2, Math.min(chunked.length(), lineEnd + 2 + size));
                at = lineEnd + 2 + size + 2;
            }
            return out.toString();
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + (body.length() > 300 ? body.substring(0, 300) + "…" : body);
        }
    }
}
