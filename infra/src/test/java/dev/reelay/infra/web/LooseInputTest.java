package dev.reelay.infra.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Input that used to be silently dropped or let through: a multipart {@code input_reference} sent as a text field
 * (a URL), prompts made only of invisible characters, and bidirectional embedding/override/isolate characters, on
 * every create route and on remix. Each is a 422 naming the field, and nothing is stored.
 */
@ReelayIntegrationTest
class LooseInputTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whitespace, zero-width and other characters that show nothing. */
    private static final String[] INVISIBLE = {
            "\u200B", "\u200B\u200B\u200B", " \u200C\u200D\u2060 ", "\uFEFF", "\u00A0\u2003\u3000", "\u3164\u115F",
            "\u180E", "\u2800", "\u034F\uFE0F", "\u200E\u200F", "\u00AD", "\n\t\u200B\r\n", "\uDB40\uDC20"
    };

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    HttpApi api;
    String owner;
    String token;

    @BeforeEach
    void setUp() {
        api = new HttpApi(port);
        owner = "loose-" + UUID.randomUUID().toString().substring(0, 8);
        token = api.token(owner);
    }

    @ParameterizedTest(name = "a text input_reference on {0} is a 422 naming it")
    @ValueSource(strings = {"/api/video/tasks", "/api/relay/sora/videos", "/v1/videos"})
    void aTextInputReferenceIsRefusedNotIgnored(String path) {
        HttpApi.Response response = api.postMultipart(path, token, Map.of("prompt", "a fox", "model", "sora-2",
                "input_reference", "https://example.com/fox.png"), null, null, null, null);
        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertNamed(path, response, "input_reference");
        assertThat(response.body()).contains("file");
        assertNothingStored();
    }

    @Test
    void anInputReferenceFileIsStillAcceptedAsAControl() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        HttpApi.Response response = api.postMultipart("/api/video/tasks", token, Map.of("prompt", "a fox",
                "model", "sora-2"), "input_reference", "fox.png", "image/png", png);
        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    @Test
    void aPromptOfInvisibleCharactersIsBlankOnEveryRoute() throws Exception {
        for (String prompt : INVISIBLE) {
            for (String path : new String[]{"/api/video/tasks", "/v1/videos"}) {
                HttpApi.Response json = api.postJson(path, token, body(prompt));
                assertThat(json.status()).as("%s %s -> %s", path, codePoints(prompt), json.body()).isEqualTo(422);
                assertNamed(path, json, "prompt");
                if (!path.startsWith("/v1/")) {
                    assertThat(json.json().at("/errors/0/code").asText()).isEqualTo("BLANK");
                }
            }
            HttpApi.Response form = api.postMultipart("/api/relay/sora/videos", token,
                    Map.of("prompt", prompt, "model", "sora-2"), null, null, null, null);
            assertThat(form.status()).as("form %s -> %s", codePoints(prompt), form.body()).isEqualTo(422);
        }
        assertNothingStored();
    }

    @ParameterizedTest(name = "a prompt with U+{0} is refused")
    @ValueSource(strings = {"202A", "202B", "202C", "202D", "202E", "2066", "2067", "2068", "2069"})
    void aPromptWithABidiEmbeddingOverrideOrIsolateIsRefused(String hex) {
        String prompt = "invoice for " + Character.toString(Integer.parseInt(hex, 16)) + "fdp.exe";
        for (String path : new String[]{"/api/video/tasks", "/v1/videos"}) {
            HttpApi.Response response = api.postJson(path, token, body(prompt));
            assertThat(response.status()).as(response.body()).isEqualTo(422);
            assertNamed(path, response, "prompt");
            if (!path.startsWith("/v1/")) {
                assertThat(response.json().at("/errors/0/code").asText()).isEqualTo("BIDI_CONTROL");
            }
        }
        assertNothingStored();
    }

    @Test
    void rightToLeftTextAndDirectionMarksAreAccepted() {
        for (String prompt : new String[]{"שועל אדום בשלג", "ثعلب أحمر في الثلج", "a fox \u200Fשועל\u200E in snow"}) {
            HttpApi.Response response = api.postJson("/api/video/tasks", token, body(prompt));
            assertThat(response.status()).as(response.body()).isEqualTo(201);
            assertThat(response.json().at("/data/prompt").asText()).isEqualTo(prompt);
        }
    }

    @Test
    void aRemixPromptFollowsTheSameRules() {
        HttpApi.Response created = api.postJson("/api/video/tasks", token, body("a fox"));
        String id = created.json().at("/data/videoId").asText();
        for (String prompt : new String[]{"\u200B\u2060", "x\u202Eyz"}) {
            HttpApi.Response remix = api.postJson("/api/video/tasks/" + id + "/remix", token, body(prompt));
            assertThat(remix.status()).as(remix.body()).isEqualTo(422);
            assertNamed("/api", remix, "prompt");
            HttpApi.Response openAi = api.postMultipart("/v1/videos/" + id + "/remix", token, Map.of("prompt", prompt),
                    null, null, null, null);
            assertThat(openAi.status()).as(openAi.body()).isEqualTo(422);
            assertNamed("/v1/", openAi, "prompt");
        }
        assertThat(submittedBy(owner)).as("only the source task").isEqualTo(1);
    }

    @Test
    void aCancelReasonThatCouldNotBeStoredOrShownSafelyIsRefused() {
        String id = api.postJson("/api/video/tasks", token, body("a fox")).json().at("/data/videoId").asText();
        for (String reason : new String[]{"stop\u0000", "\u001B[2J", "x\u202Ey"}) {
            HttpApi.Response refused = api.postJson("/api/video/tasks/" + id + "/cancel", token,
                    JSON.createObjectNode().put("reason", reason).toString());
            assertThat(refused.status()).as(refused.body()).isEqualTo(422);
            assertNamed("/api", refused, "reason");
        }
        HttpApi.Response cancelled = api.postJson("/api/video/tasks/" + id + "/cancel", token,
                "{\"reason\":\"changed my mind\\nthanks\"}");
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
    }

    private static String body(String prompt) {
        ObjectNode node = JSON.createObjectNode().put("prompt", prompt).put("model", "sora-2");
        return node.toString();
    }

    private static void assertNamed(String path, HttpApi.Response response, String field) {
        JsonNode body = response.json();
        String named = path.startsWith("/v1/") ? body.at("/error/param").asText() : body.at("/errors/0/field").asText();
        assertThat(named).as(response.body()).isEqualTo(field);
    }

    /** No task of this owner in the event store, so nothing to project, hold or send upstream. */
    private void assertNothingStored() {
        assertThat(submittedBy(owner)).isZero();
    }

    private long submittedBy(String who) {
        return jdbc.queryForObject("select count(*) from domain_event_entry where payload_type like '%TaskSubmitted'"
                + " and convert_from(payload, 'UTF8') like ?", Long.class, "%\"" + who + "\"%");
    }

    private static String codePoints(String text) {
        return text.codePoints().mapToObj(cp -> String.format("U+%04X", cp)).toList().toString();
    }
}
