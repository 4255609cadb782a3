package dev.reelay.infra.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.command.upstream.UpstreamSaga;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventProcessor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Create-task validation over real HTTP: every bad input is refused with the right status, problem+json, a stable
 * {@code code} and the offending field, and nothing reaches the event store; good inputs create exactly one event.
 *
 * <p>The upstream saga's processor is stopped for this class so that no background submission/poll appends events
 * while we compare {@code count(*)} of {@code domain_event_entry}; the property below gives this class a Spring
 * context of its own, so stopping it affects no other test class.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = "reelay.sandbox.job-duration=1h")
class TaskCreationValidationTest {

    private static final String TASKS = "/api/video/tasks";
    private static final String RELAY = "/api/relay/sora/videos";
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final int MB = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    EventProcessingConfiguration eventProcessing;

    HttpApi api() {
        return new HttpApi(port);
    }

    @BeforeEach
    void quietEventStore() {
        eventProcessing.eventProcessor(UpstreamSaga.GROUP).ifPresent(EventProcessor::shutDown);
    }

    // ---------------------------------------------------------------- helpers

    private long events() {
        Long count = jdbc.queryForObject("select count(*) from domain_event_entry", Long.class);
        return count == null ? 0 : count;
    }

    private String token() {
        return api().token("val-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** A valid request body; tests change or remove fields. */
    private static ObjectNode valid() {
        ObjectNode body = JSON.createObjectNode();
        body.put("prompt", "a red fox running through fresh snow");
        body.put("model", "sora-2");
        body.put("size", "720x1280");
        body.put("seconds", 4);
        return body;
    }

    private static Map<String, String> validForm() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("prompt", "a lighthouse at dusk");
        fields.put("model", "sora-2");
        fields.put("size", "720x1280");
        fields.put("seconds", "4");
        return fields;
    }

    private HttpApi.Response postJson(String token, JsonNode body) {
        return api().postJson(TASKS, token, body.toString());
    }

    /** Runs a request that must be refused and asserts the event store did not grow. */
    private HttpApi.Response rejected(Supplier<HttpApi.Response> request) {
        long before = events();
        HttpApi.Response response = request.get();
        assertThat(events()).as("events after a refused request: %s %s", response.status(), brief(response))
                .isEqualTo(before);
        return response;
    }

    /** Runs a request that must create exactly one task (its TaskSubmitted, plus its QuotaHeld and TaskAdmitted on the
     * owner's account), and returns the 201 response. */
    private HttpApi.Response created(Supplier<HttpApi.Response> request) {
        long before = events();
        HttpApi.Response response = request.get();
        assertThat(response.status()).as(brief(response)).isEqualTo(201);
        assertThat(response.json().get("success").asBoolean()).isTrue();
        String videoId = response.json().at("/data/videoId").asText();
        assertThat(videoId).startsWith("video_");
        assertThat(events()).as("events after a create").isEqualTo(before + 3);
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ?",
                Long.class, videoId)).isEqualTo(1L);
        return response;
    }

    /** The response body, shortened for assertion messages. */
    private static String brief(HttpApi.Response response) {
        String body = response.body();
        return body.length() <= 600 ? body : body.substring(0, 600) + "... (" + body.length() + " chars)";
    }

    private static void assertProblem(HttpApi.Response response, int status, String code) {
        assertThat(response.status()).as(brief(response)).isEqualTo(status);
        assertThat(response.contentType()).as(brief(response)).startsWith(PROBLEM_JSON);
        JsonNode problem = response.json();
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("code").asText()).as(brief(response)).isEqualTo(code);
    }

    private static void assertProblem(HttpApi.Response response, int status, String code, String field) {
        assertProblem(response, status, code);
        assertThat(response.json().at("/errors/0/field").asText()).as(brief(response)).isEqualTo(field);
    }

    private static void assertProblem(HttpApi.Response response, int status, String code, String field,
                                      String fieldCode) {
        assertProblem(response, status, code, field);
        assertThat(response.json().at("/errors/0/code").asText()).as(brief(response)).isEqualTo(fieldCode);
    }

    private static byte[] image(String format) {
        BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0xFF0000);
        image.setRGB(1, 1, 0x00FF00);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            assertThat(ImageIO.write(image, format, out)).as("ImageIO writer for " + format).isTrue();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    private static byte[] gif() {
        byte[] bytes = new byte[64];
        byte[] header = "GIF89a".getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(header, 0, bytes, 0, header.length);
        for (int i = header.length; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    /** PNG signature followed by zeros: looks like a PNG to the sniffer, and is exactly {@code size} bytes. */
    private static byte[] pngHeaded(int size) {
        byte[] bytes = new byte[size];
        byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
        System.arraycopy(signature, 0, bytes, 0, signature.length);
        return bytes;
    }

    private static String dataUrl(String declaredType, byte[] bytes) {
        return "data:" + declaredType + ";base64," + Base64.getEncoder().encodeToString(bytes);
    }

    // ---------------------------------------------------------------- valid creates

    @Test
    void aValidJsonCreateIs201QueuedWithALocationAndOneEvent() {
        String token = token();
        HttpApi.Response response = created(() -> postJson(token, valid()));
        JsonNode data = response.json().get("data");
        String videoId = data.get("videoId").asText();
        assertThat(VideoId.isWellFormed(videoId)).isTrue();
        assertThat(data.get("status").asText()).isEqualTo("QUEUED");
        assertThat(response.contentType()).startsWith("application/json");
        assertThat(response.header("Location")).isNotNull().endsWith("/api/video/tasks/" + videoId);
        assertThat(jdbc.queryForObject("select payload_type from domain_event_entry where aggregate_identifier = ?",
                String.class, videoId)).isEqualTo("dev.reelay.kernel.event.TaskSubmitted");
    }

    @Test
    void aValidMultipartCreateWithAPngIsAcceptedOnBothRoutes() {
        String token = token();
        byte[] png = image("png");
        for (String path : new String[]{TASKS, RELAY}) {
            HttpApi.Response response = created(() -> api().postMultipart(path, token, validForm(),
                    "input_reference", "ref.png", "image/png", png));
            JsonNode data = response.json().get("data");
            assertThat(data.get("status").asText()).as(path).isEqualTo("QUEUED");
            assertThat(data.at("/referenceImage/contentType").asText()).as(path).isEqualTo("image/png");
            assertThat(data.at("/referenceImage/bytes").asLong()).as(path).isEqualTo(png.length);
        }
    }

    @Test
    void aJpegDeclaredAsPngIsRecognisedByItsBytes() {
        String token = token();
        byte[] jpeg = image("jpg");
        assertThat(jpeg[0] & 0xFF).isEqualTo(0xFF);
        ObjectNode body = valid();
        body.put("referenceImage", dataUrl("image/png", jpeg));
        HttpApi.Response response = created(() -> postJson(token, body));
        assertThat(response.json().at("/data/referenceImage/contentType").asText()).isEqualTo("image/jpeg");
        assertThat(response.json().at("/data/referenceImage/bytes").asLong()).isEqualTo(jpeg.length);
    }

    // ---------------------------------------------------------------- prompt

    @Test
    void aPromptOfTenThousandCharactersIsAcceptedAndOneMoreIsRefused() {
        String token = token();
        ObjectNode tooLong = valid();
        tooLong.put("prompt", "a".repeat(10_001));
        assertProblem(rejected(() -> postJson(token, tooLong)), 422, "VALIDATION_FAILED", "prompt", "MAX_LENGTH");

        ObjectNode atLimit = valid();
        atLimit.put("prompt", "a".repeat(10_000));
        HttpApi.Response response = created(() -> postJson(token, atLimit));
        assertThat(response.json().at("/data/prompt").asText()).hasSize(10_000);
    }

    @Test
    void aBlankPromptIsRefused() {
        String token = token();
        ObjectNode body = valid();
        body.put("prompt", "   ");
        assertProblem(rejected(() -> postJson(token, body)), 422, "VALIDATION_FAILED", "prompt", "BLANK");
    }

    @Test
    void aMissingPromptIsRefused() {
        String token = token();
        ObjectNode body = valid();
        body.remove("prompt");
        assertProblem(rejected(() -> postJson(token, body)), 422, "VALIDATION_FAILED", "prompt", "REQUIRED");
    }

    @Test
    void aNumericPromptIsATypeError() {
        String token = token();
        ObjectNode body = valid();
        body.put("prompt", 5);
        assertProblem(rejected(() -> postJson(token, body)), 422, "VALIDATION_FAILED", "prompt", "TYPE");
    }

    // ---------------------------------------------------------------- model, size, seconds

    @Test
    void anUnknownModelIsRefused() {
        String token = token();
        ObjectNode body = valid();
        body.put("model", "sora-9000");
        assertProblem(rejected(() -> postJson(token, body)), 422, "VALIDATION_FAILED", "model", "UNKNOWN_MODEL");
    }

    @Test
    void aSizeTheModelDoesNotOfferIsRefused() {
        String token = token();
        ObjectNode body = valid();
        body.put("size", "1792x1024"); // offered by sora-2-pro, not by sora-2
        assertProblem(rejected(() -> postJson(token, body)), 422, "VALIDATION_FAILED", "size", "NOT_ALLOWED");
    }

    @Test
    void secondsTheModelDoesNotOfferAreRefused() {
        String token = token();
        ObjectNode body = valid();
        body.put("seconds", 7);
        assertProblem(rejected(() -> postJson(token, body)), 422, "VALIDATION_FAILED", "seconds", "NOT_ALLOWED");
    }

    @Test
    void nonNumericSecondsAreATypeError() {
        String token = token();
        ObjectNode body = valid();
        body.put("seconds", "abc");
        assertProblem(rejected(() -> postJson(token, body)), 422, "VALIDATION_FAILED", "seconds", "TYPE");
    }

    // ---------------------------------------------------------------- the seeds' own examples (SEED-API.md)

    @Test
    void theSeedsJsonExampleWithDurationFiveIsAcceptedWithTheDefaultConfiguration() {
        String token = token();
        ObjectNode body = JSON.createObjectNode();
        body.put("prompt", "a cat playing piano");
        body.put("model", "sora_video2");
        body.put("size", "720x720");
        body.put("duration", 5);
        JsonNode data = created(() -> postJson(token, body)).json().get("data");
        assertThat(data.get("model").asText()).isEqualTo("sora_video2");
        assertThat(data.get("size").asText()).isEqualTo("720x720");
        assertThat(data.get("seconds").asInt()).isEqualTo(5);
    }

    @Test
    void theSeedsRelayFormExampleWithSecondsTenIsAcceptedWithTheDefaultConfiguration() {
        String token = token();
        Map<String, String> form = new LinkedHashMap<>();
        form.put("prompt", "a cat playing piano");
        form.put("model", "sora_video2");
        form.put("size", "720x720");
        form.put("seconds", "10");
        JsonNode data = created(() -> api().postMultipart(RELAY, token, form, null, null, null, null)).json().get("data");
        assertThat(data.get("size").asText()).isEqualTo("720x720");
        assertThat(data.get("seconds").asInt()).isEqualTo(10);
    }

    @Test
    void durationNamesTheLengthOnEveryMultipartSeedRoute() {
        String token = token();
        for (String path : new String[]{TASKS, RELAY}) {
            Map<String, String> form = new LinkedHashMap<>();
            form.put("prompt", "a cat playing piano");
            form.put("model", "sora_video2");
            form.put("size", "720x720");
            form.put("duration", "5");
            JsonNode data = created(() -> api().postMultipart(path, token, form, null, null, null, null)).json().get("data");
            assertThat(data.get("seconds").asInt()).as(path).isEqualTo(5);
        }
    }

    @Test
    void aRefusedDurationIsReportedUnderTheNameTheClientSent() {
        String token = token();
        ObjectNode notOffered = valid();
        notOffered.remove("seconds");
        notOffered.put("duration", 7);
        assertProblem(rejected(() -> postJson(token, notOffered)), 422, "VALIDATION_FAILED", "duration", "NOT_ALLOWED");

        Map<String, String> form = validForm();
        form.remove("seconds");
        form.put("duration", "five");
        assertProblem(rejected(() -> api().postMultipart(RELAY, token, form, null, null, null, null)),
                422, "VALIDATION_FAILED", "duration", "TYPE");
    }

    @Test
    void secondsAndDurationThatDisagreeAreRefusedAndThatAgreeAreAccepted() {
        String token = token();
        ObjectNode disagree = valid();
        disagree.put("duration", 8);
        assertProblem(rejected(() -> postJson(token, disagree)), 422, "VALIDATION_FAILED", "duration", "CONFLICT");

        ObjectNode agree = valid();
        agree.put("duration", "4");
        assertThat(created(() -> postJson(token, agree)).json().at("/data/seconds").asInt()).isEqualTo(4);
    }

    // ---------------------------------------------------------------- sizes

    @Test
    void aSixMegabyteImageAsDataUrlIs413() {
        String token = token();
        ObjectNode body = valid();
        body.put("referenceImage", dataUrl("image/png", pngHeaded(6 * MB)));
        assertProblem(rejected(() -> postJson(token, body)), 413, "PAYLOAD_TOO_LARGE");
    }

    /**
     * A body declared over the 8 MB request limit, sent whole: the client reads the 413 and then the end of the
     * connection, not a reset. Tomcat closes after a 413; before it did, the filter had left the body unread, and a
     * close with unread bytes resets the connection, which can take the answer with it.
     */
    @Test
    void aBodyJustOverTheRequestLimitSentWholeGetsIts413AndAnOrderlyClose() throws Exception {
        String token = token();
        int length = 8 * MB + 64 * 1024;
        for (int attempt = 0; attempt < 3; attempt++) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(30_000);
                OutputStream out = socket.getOutputStream();
                out.write(("POST " + TASKS + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) 'a');
                for (int sent = 0; sent < length; sent += chunk.length) {
                    out.write(chunk, 0, Math.min(chunk.length, length - sent));
                }
                out.flush();
                BufferedInputStream in = new BufferedInputStream(socket.getInputStream());
                String head = readHead(in);
                assertThat(head).startsWith("HTTP/1.1 413");
                skipBody(in, head);
                assertThat(in.read()).as("an orderly end of the connection").isEqualTo(-1);
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed after: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    private static void skipBody(InputStream in, String head) throws IOException {
        Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        if (length.find()) {
            in.readNBytes(Integer.parseInt(length.group(1)));
            return;
        }
        // chunked: sizes in hex, each chunk followed by CRLF, ended by a zero-size chunk and a blank line
        while (true) {
            String size = readLine(in).trim();
            int n = Integer.parseInt(size.split(";")[0], 16);
            if (n == 0) {
                readLine(in);
                return;
            }
            in.readNBytes(n);
            readLine(in);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.append((char) b);
        }
        return line.toString();
    }

    @Test
    void aFiveAndAHalfMegabyteImageAsDataUrlIs413OnTheField() {
        String token = token();
        ObjectNode body = valid();
        body.put("referenceImage", dataUrl("image/png", pngHeaded(5 * MB + MB / 2)));
        assertThat(body.toString().length()).as("the body itself is under the 8 MB request limit").isLessThan(8 * MB);
        assertProblem(rejected(() -> postJson(token, body)), 413, "PAYLOAD_TOO_LARGE", "referenceImage");
    }

    @Test
    void aSixMegabyteMultipartFileIs413() {
        String token = token();
        byte[] file = pngHeaded(6 * MB);
        assertProblem(rejected(() -> api().postMultipart(TASKS, token, validForm(), "input_reference", "big.png",
                "image/png", file)), 413, "PAYLOAD_TOO_LARGE");
    }

    // ---------------------------------------------------------------- image type by content

    @Test
    void aGifRenamedToPngIsRefusedInMultipart() {
        String token = token();
        assertProblem(rejected(() -> api().postMultipart(TASKS, token, validForm(), "input_reference", "cat.png",
                "image/png", gif())), 415, "UNSUPPORTED_MEDIA_TYPE", "input_reference");
    }

    @Test
    void aGifDeclaredAsPngIsRefusedAsDataUrl() {
        String token = token();
        ObjectNode body = valid();
        body.put("referenceImage", dataUrl("image/png", gif()));
        assertProblem(rejected(() -> postJson(token, body)), 415, "UNSUPPORTED_MEDIA_TYPE", "referenceImage");
    }

    // ---------------------------------------------------------------- malformed data URLs

    @Test
    void aDataUrlWithoutACommaIsMalformed() {
        String token = token();
        ObjectNode body = valid();
        body.put("referenceImage", "data:image/png;base64");
        assertProblem(rejected(() -> postJson(token, body)), 422, "VALIDATION_FAILED", "referenceImage",
                "MALFORMED_DATA_URL");
    }

    @Test
    void somethingThatIsNotAUrlIsAMalformedDataUrl() {
        String token = token();
        ObjectNode body = valid();
        body.put("referenceImage", "not a url");
        assertProblem(rejected(() -> postJson(token, body)), 422, "VALIDATION_FAILED", "referenceImage",
                "MALFORMED_DATA_URL");
    }

    @Test
    void invalidBase64IsRefused() {
        String token = token();
        ObjectNode body = valid();
        body.put("referenceImage", "data:image/png;base64,@@@@");
        assertProblem(rejected(() -> postJson(token, body)), 422, "VALIDATION_FAILED", "referenceImage",
                "MALFORMED_DATA_URL");
    }

    // ---------------------------------------------------------------- malformed bodies

    @Test
    void truncatedJsonIs400() {
        String token = token();
        assertProblem(rejected(() -> api().postJson(TASKS, token, "{\"prompt\":")), 400, "MALFORMED_REQUEST");
    }

    @Test
    void aJsonArrayIs400() {
        String token = token();
        assertProblem(rejected(() -> api().postJson(TASKS, token, "[]")), 400, "MALFORMED_REQUEST");
    }

    @Test
    void plainTextIs415() {
        String token = token();
        byte[] body = "a red fox".getBytes(StandardCharsets.UTF_8);
        assertProblem(rejected(() -> api().send("POST", TASKS, token, "text/plain", body, Map.of())),
                415, "UNSUPPORTED_MEDIA_TYPE");
    }

    @Test
    void jsonWithoutABodyIs400() {
        String token = token();
        assertProblem(rejected(() -> api().send("POST", TASKS, token, "application/json", null, Map.of())),
                400, "MALFORMED_REQUEST");
    }

    // ---------------------------------------------------------------- idempotency

    @Test
    void theSameKeyAndBodyReplaysTheFirstResponse() {
        String token = token();
        String key = "idem-" + UUID.randomUUID();
        String body = valid().toString();
        long before = events();
        HttpApi.Response first = api().postJson(TASKS, token, body, Map.of("Idempotency-Key", key));
        HttpApi.Response second = api().postJson(TASKS, token, body, Map.of("Idempotency-Key", key));
        assertThat(first.status()).as(brief(first)).isEqualTo(201);
        assertThat(second.status()).as(brief(second)).isEqualTo(201);
        String videoId = first.json().at("/data/videoId").asText();
        assertThat(videoId).startsWith("video_");
        assertThat(second.json().at("/data/videoId").asText()).isEqualTo(videoId);
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(second.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(events()).isEqualTo(before + 3);
    }

    @Test
    void theSameKeyWithADifferentBodyIsRefused() {
        String token = token();
        String key = "idem-" + UUID.randomUUID();
        HttpApi.Response first = created(() -> api().postJson(TASKS, token, valid().toString(),
                Map.of("Idempotency-Key", key)));
        ObjectNode other = valid();
        other.put("prompt", "a completely different prompt");
        HttpApi.Response second = rejected(() -> api().postJson(TASKS, token, other.toString(),
                Map.of("Idempotency-Key", key)));
        assertProblem(second, 422, "IDEMPOTENCY_KEY_REUSED");
        assertThat(second.body()).doesNotContain(first.json().at("/data/videoId").asText());
    }

    @Test
    void idempotencyKeysArePerOwner() {
        String alice = token();
        String bob = token();
        String key = "idem-" + UUID.randomUUID();
        String body = valid().toString();
        HttpApi.Response asAlice = created(() -> api().postJson(TASKS, alice, body, Map.of("Idempotency-Key", key)));
        HttpApi.Response asBob = created(() -> api().postJson(TASKS, bob, body, Map.of("Idempotency-Key", key)));
        assertThat(asBob.header("Idempotent-Replayed")).isNull();
        assertThat(asBob.json().at("/data/videoId").asText())
                .isNotEqualTo(asAlice.json().at("/data/videoId").asText());
    }
}
