package dev.reelay.infra.web;

import com.fasterxml.jackson.core.JsonProcessingException;
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
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Over a thousand generated malformed requests against every write route, sequentially over one HTTP client. Each
 * answer must be a 4xx (a 2xx only when the generated request happens to be valid), never a 5xx, in the route's
 * error dialect: RFC 9457 problem+json, or OpenAI's {@code {"error":{…}}} under {@code /v1}. Afterwards nothing is
 * half-created: one {@code TaskSubmitted} per 2xx create we saw, and no idempotency key left without a response.
 *
 * <p>Reproducible: the generator is a seeded {@link Random}; the seed is printed, and
 * {@code -Dreelay.fuzz.seed=<n>} replays a run ({@code -Dreelay.fuzz.requests=<n>} changes how many requests).
 * Every failing request is printed with its generator, route, headers and body.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.sandbox.job-duration=1h", "reelay.test.context=fuzzed-input"})
class FuzzedInputTest {

    static final long SEED = Long.getLong("reelay.fuzz.seed", 0x5EED_F022L);
    static final int REQUESTS = Math.max(1000, Integer.getInteger("reelay.fuzz.requests", 1200));
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TASK_SUBMITTED = "dev.reelay.kernel.event.TaskSubmitted";
    static final String QUOTA_HELD = "dev.reelay.kernel.event.QuotaHeld";
    static final int KB = 1024;
    static final int MB = 1024 * KB;

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CommandGateway commands;
    @Autowired
    EventProcessingConfiguration eventProcessing;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private Random rnd;
    private String token;
    private String completedTask;
    private String deletableTask;
    private String othersTask;
    private int counter;

    enum Body { JSON, MULTIPART, NONE }

    enum Route {
        TASKS_JSON("POST", "/api/video/tasks", Body.JSON, true),
        TASKS_MULTIPART("POST", "/api/video/tasks", Body.MULTIPART, true),
        RELAY_MULTIPART("POST", "/api/relay/sora/videos", Body.MULTIPART, true),
        CANCEL("POST", "/api/video/tasks/{id}/cancel", Body.JSON, false),
        REMIX("POST", "/api/video/tasks/{id}/remix", Body.JSON, true),
        V1_JSON("POST", "/v1/videos", Body.JSON, true),
        V1_MULTIPART("POST", "/v1/videos", Body.MULTIPART, true),
        V1_REMIX_JSON("POST", "/v1/videos/{id}/remix", Body.JSON, true),
        V1_REMIX_MULTIPART("POST", "/v1/videos/{id}/remix", Body.MULTIPART, true),
        V1_DELETE("DELETE", "/v1/videos/{id}", Body.NONE, false),
        STREAM_TICKETS("POST", "/api/video/stream-tickets", Body.JSON, false),
        DEV_TOKEN("POST", "/dev/token", Body.JSON, false);

        final String method;
        final String template;
        final Body body;
        final boolean creates;

        Route(String method, String template, Body body, boolean creates) {
            this.method = method;
            this.template = template;
            this.body = body;
            this.creates = creates;
        }

        boolean openAi() {
            return template.startsWith("/v1/");
        }

        boolean hasId() {
            return template.contains("{id}");
        }

        boolean isCreate() {
            return this == TASKS_JSON || this == TASKS_MULTIPART || this == RELAY_MULTIPART || this == V1_JSON
                    || this == V1_MULTIPART;
        }

        boolean isRemix() {
            return this == REMIX || this == V1_REMIX_JSON || this == V1_REMIX_MULTIPART;
        }
    }

    enum Gen {
        TRUNCATED, BAD_NESTING, HUGE_NUMBER, DEEP_NESTING, WRONG_TYPE, HUGE_STRING, EMPTY_FIELDS, UNICODE,
        BAD_DATA_URL, BAD_MULTIPART, BAD_IDEMPOTENCY_KEY, RANDOM_BYTES, BAD_AUTH, BAD_ACCEPT, BAD_ID, VALID
    }

    /** One generated request. */
    record Fuzz(int index, Gen gen, Route route, String variant, String path, List<String[]> headers, byte[] body,
                boolean chunked) {
        String reproducer() {
            StringBuilder s = new StringBuilder();
            s.append('#').append(index).append(' ').append(gen).append('/').append(variant).append(" [").append(route)
                    .append("] ").append(route.method).append(' ').append(path.length() > 300 ? path.substring(0, 300) + "..." : path);
            for (String[] h : headers) {
                String value = h[0].equalsIgnoreCase("Authorization") && h[1].length() > 40 ? h[1].substring(0, 40) + "..." : h[1];
                s.append("\n      ").append(h[0]).append(": ").append(printable(value.getBytes(StandardCharsets.ISO_8859_1), 200));
            }
            s.append("\n      body ").append(body == null ? "none" : body.length + " bytes" + (chunked ? " (chunked)" : "")
                    + ": " + printable(body, 400));
            return s.toString();
        }
    }

    record Answer(int status, String contentType, String body, String replayed) {
    }

    @Test
    void malformedRequestsAreAlways4xxInTheRouteDialectAndLeaveNothingHalfCreated() {
        System.out.println("[fuzz] FuzzedInputTest seed=" + SEED + " requests=" + REQUESTS
                + " (replay with -Dreelay.fuzz.seed=" + SEED + ")");
        rnd = new Random(SEED);
        eventProcessing.eventProcessor(UpstreamSaga.GROUP).ifPresent(EventProcessor::shutDown);
        HttpApi api = new HttpApi(port);
        token = api.token("fuzzer");
        completedTask = create(api, token, "fuzz remix source");
        deletableTask = create(api, token, "fuzz deletable");
        othersTask = create(api, api.token("fuzz-bystander"), "someone else's clip");
        commands.sendAndWait(new CompleteTask(new VideoId(completedTask), "https://provider.example/v/fuzz",
                Instant.now().plusSeconds(3600), 4, "720x1280", Instant.now()));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.queryForList(
                "select status from task_view where video_id = ?", String.class, completedTask)).containsExactly("COMPLETED"));
        long submittedBefore = taskSubmittedCount();
        long heldBefore = countOf(QUOTA_HELD);

        List<Fuzz> cases = generate();
        Set<String> createdIds = new LinkedHashSet<>();
        List<String> violations = new ArrayList<>();
        Map<Route, Integer> perRoute = new EnumMap<>(Route.class);
        Map<Gen, Integer> perGen = new EnumMap<>(Gen.class);
        Map<Integer, Integer> perStatus = new TreeMap<>();
        Map<Gen, Map<Integer, Integer>> statusPerGen = new EnumMap<>(Gen.class);
        int twoHundreds = 0;
        long started = System.nanoTime();
        for (Fuzz fuzz : cases) {
            perRoute.merge(fuzz.route(), 1, Integer::sum);
            perGen.merge(fuzz.gen(), 1, Integer::sum);
            Answer answer;
            try {
                answer = send(fuzz);
            } catch (IOException e) {
                violations.add(fuzz.reproducer() + "\n   -> no HTTP answer: " + e);
                continue;
            }
            perStatus.merge(answer.status(), 1, Integer::sum);
            statusPerGen.computeIfAbsent(fuzz.gen(), g -> new TreeMap<>()).merge(answer.status(), 1, Integer::sum);
            String problem = judge(fuzz.route(), answer);
            if (problem != null) {
                violations.add(fuzz.reproducer() + "\n   -> " + problem + ": " + answer.status() + " "
                        + answer.contentType() + " " + printable(answer.body().getBytes(StandardCharsets.UTF_8), 400));
            }
            if (answer.status() >= 200 && answer.status() < 300) {
                twoHundreds++;
                if (fuzz.route().creates) {
                    String id = createdId(answer);
                    if (id == null) {
                        violations.add(fuzz.reproducer() + "\n   -> a 2xx create without an id: " + answer.body());
                    } else {
                        createdIds.add(id);
                    }
                }
            }
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("[fuzz] " + cases.size() + " requests in " + millis + " ms; 2xx: " + twoHundreds
                + "; distinct tasks created: " + createdIds.size());
        System.out.println("[fuzz] per route: " + perRoute);
        System.out.println("[fuzz] per generator: " + perGen);
        System.out.println("[fuzz] per status: " + perStatus);
        System.out.println("[fuzz] statuses per generator: " + statusPerGen);
        violations.forEach(v -> System.out.println("[fuzz] VIOLATION " + v));

        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(cases.size()).isGreaterThanOrEqualTo(1000);
        soft.assertThat(perRoute.keySet()).containsExactlyInAnyOrder(Route.values());
        soft.assertThat(violations).as("seed %s: %s of %s requests were answered wrongly; first ones:%n%s", SEED,
                violations.size(), cases.size(), String.join("\n", violations.subList(0, Math.min(15, violations.size()))))
                .isEmpty();

        // nothing half-created: exactly one TaskSubmitted per task a 2xx told us about, and none besides
        soft.assertThat(taskSubmittedCount() - submittedBefore).as("TaskSubmitted events written during the fuzz run")
                .isEqualTo(createdIds.size());
        // and exactly one quota hold per created task: a refused request holds nothing
        soft.assertThat(countOf(QUOTA_HELD) - heldBefore).as("QuotaHeld events written during the fuzz run")
                .isEqualTo(createdIds.size());
        for (String id : createdIds) {
            soft.assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? "
                    + "and payload_type = ?", Long.class, id, TASK_SUBMITTED)).as(id).isEqualTo(1L);
        }
        soft.assertThat(jdbc.queryForList("select owner || ' / ' || idem_key from idempotency_key where response_status is null",
                String.class)).as("idempotency keys left without a response").isEmpty();
        soft.assertAll();
    }

    // ---------------------------------------------------------------- generation

    private List<Fuzz> generate() {
        List<Fuzz> cases = new ArrayList<>();
        // every generator against every route, three times, then random picks up to the target count
        for (int round = 0; round < 3; round++) {
            for (Route route : Route.values()) {
                for (Gen gen : Gen.values()) {
                    Fuzz fuzz = make(gen, route);
                    if (fuzz != null) {
                        cases.add(fuzz);
                    }
                }
            }
        }
        // two bodies just over the 8 MB limit, sent chunked (no Content-Length): the counting path of the limit
        cases.add(chunkedOversize(Route.TASKS_JSON));
        cases.add(chunkedOversize(Route.V1_MULTIPART));
        while (cases.size() < REQUESTS) {
            Route route = Route.values()[rnd.nextInt(Route.values().length)];
            Gen gen = Gen.values()[rnd.nextInt(Gen.values().length)];
            Fuzz fuzz = make(gen, route);
            if (fuzz != null) {
                cases.add(fuzz);
            }
        }
        return cases;
    }

    private Fuzz make(Gen gen, Route route) {
        int n = counter++;
        List<String[]> headers = new ArrayList<>();
        String id = route.hasId() ? defaultId(route) : null;
        String variant;
        byte[] body;
        String contentType;
        switch (gen) {
            case TRUNCATED -> {
                byte[] whole = route.body == Body.MULTIPART ? multipart(route, formFields(route, n), null) : json(rawFields(route, n));
                int cut = whole.length == 0 ? 0 : rnd.nextInt(whole.length);
                body = java.util.Arrays.copyOf(whole, cut);
                variant = "cut at " + cut + " of " + whole.length;
                contentType = route.body == Body.MULTIPART ? multipartType() : "application/json";
            }
            case BAD_NESTING -> {
                if (route.body == Body.MULTIPART) {
                    body = multipartWithNestedPart(route, n);
                    variant = "nested multipart/mixed part";
                    contentType = multipartType();
                } else {
                    String text = pick(BAD_JSON);
                    if (rnd.nextInt(4) == 0) {
                        text = bracketSoup(1 + rnd.nextInt(200));
                    }
                    body = utf8(text);
                    variant = text.length() > 40 ? text.substring(0, 40) : text;
                    contentType = "application/json";
                }
            }
            case HUGE_NUMBER -> {
                String number = pick(HUGE_NUMBERS);
                String field = route.isCreate() ? "seconds" : pick(fieldsOf(route));
                variant = field + "=" + (number.length() > 30 ? number.substring(0, 30) + "…(" + number.length() + ")" : number);
                if (route.body == Body.MULTIPART) {
                    Map<String, String> form = formFields(route, n);
                    form.put(field, number);
                    body = multipart(route, form, null);
                    contentType = multipartType();
                } else {
                    Map<String, String> raw = rawFields(route, n);
                    raw.put(field, number);
                    body = json(raw);
                    contentType = "application/json";
                }
            }
            case DEEP_NESTING -> {
                int depth = 10_000;
                int shape = rnd.nextInt(4);
                String deep = switch (shape) {
                    case 0 -> "[".repeat(depth) + "]".repeat(depth);
                    case 1 -> "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
                    case 2 -> "[".repeat(depth);
                    default -> "[{\"prompt\":".repeat(depth / 2) + "\"x\"" + "}]".repeat(depth / 2);
                };
                variant = "shape " + shape + ", " + depth + " levels";
                if (route.body == Body.MULTIPART) {
                    Map<String, String> form = formFields(route, n);
                    form.put("prompt", deep);
                    body = multipart(route, form, null);
                    contentType = multipartType();
                } else if (rnd.nextBoolean()) {
                    body = utf8(deep);
                    contentType = "application/json";
                } else {
                    Map<String, String> raw = rawFields(route, n);
                    raw.put(pick(fieldsOf(route)), deep);
                    body = json(raw);
                    variant += " as a field";
                    contentType = "application/json";
                }
            }
            case WRONG_TYPE -> {
                String field = pick(fieldsOf(route));
                if (route.body == Body.MULTIPART) {
                    String value = pick(WRONG_FORM_VALUES);
                    Map<String, String> form = formFields(route, n);
                    form.put(field, value);
                    body = multipart(route, form, null);
                    variant = field + "=" + value;
                    contentType = multipartType();
                } else {
                    String value = pick(WRONG_JSON_VALUES);
                    Map<String, String> raw = rawFields(route, n);
                    raw.put(field, value);
                    body = json(raw);
                    variant = field + "=" + value;
                    contentType = "application/json";
                }
            }
            case HUGE_STRING -> {
                int kind = rnd.nextInt(6);
                String huge = switch (kind) {
                    case 0 -> "a".repeat(200 * KB);
                    case 1 -> "é".repeat(100 * KB);
                    case 2 -> "\uD83C\uDFAC".repeat(50 * KB);
                    case 3 -> " ".repeat(200 * KB);
                    case 4 -> "\"\\".repeat(100 * KB);
                    default -> randomAscii(200 * KB);
                };
                boolean hugeName = rnd.nextInt(5) == 0;
                String field = route.isCreate() || route.isRemix() ? (rnd.nextInt(3) == 0 ? pick(fieldsOf(route)) : "prompt")
                        : pick(fieldsOf(route));
                variant = (hugeName ? "field name" : field) + " of kind " + kind + " (" + huge.length() + " chars)";
                if (route.body == Body.MULTIPART) {
                    Map<String, String> form = formFields(route, n);
                    form.put(hugeName ? huge.substring(0, Math.min(huge.length(), 60 * KB)) : field, huge);
                    body = multipart(route, form, null);
                    contentType = multipartType();
                } else {
                    Map<String, String> raw = rawFields(route, n);
                    if (hugeName) {
                        raw.put(huge, "1");
                    } else {
                        raw.put(field, quote(huge));
                    }
                    body = json(raw);
                    contentType = "application/json";
                }
            }
            case EMPTY_FIELDS -> {
                int kind = rnd.nextInt(7);
                variant = "kind " + kind;
                if (route.body == Body.MULTIPART) {
                    Map<String, String> form = formFields(route, n);
                    switch (kind) {
                        case 0 -> form.replaceAll((k, v) -> "");
                        case 1 -> form.replaceAll((k, v) -> "   ");
                        case 2 -> form.remove("prompt");
                        case 3 -> form.clear();
                        case 4 -> form.replaceAll((k, v) -> "\t\r\n");
                        default -> form.put(pick(fieldsOf(route)), "");
                    }
                    body = kind == 6 ? new byte[0] : multipart(route, form, null);
                    contentType = multipartType();
                } else {
                    String text = switch (kind) {
                        case 0 -> "";
                        case 1 -> "{}";
                        case 2 -> new String(json(allFields(route, n, "\"\"")), StandardCharsets.UTF_8);
                        case 3 -> new String(json(allFields(route, n, "\"   \"")), StandardCharsets.UTF_8);
                        case 4 -> new String(json(allFields(route, n, "null")), StandardCharsets.UTF_8);
                        case 5 -> "   \n\t ";
                        default -> "[]";
                    };
                    body = utf8(text);
                    contentType = "application/json";
                }
            }
            case UNICODE -> {
                String field = route.isCreate() || route.isRemix() ? (rnd.nextBoolean() ? "prompt" : pick(fieldsOf(route)))
                        : pick(fieldsOf(route));
                int which = rnd.nextInt(UNICODE_ESCAPED.length + INVALID_UTF8.length);
                if (which < UNICODE_ESCAPED.length) {
                    String escaped = UNICODE_ESCAPED[which];
                    variant = field + "=\"" + escaped + "\"";
                    if (route.body == Body.MULTIPART) {
                        Map<String, String> form = formFields(route, n);
                        form.put(field, unescape(escaped));
                        body = multipart(route, form, null);
                        contentType = multipartType();
                    } else {
                        Map<String, String> raw = rawFields(route, n);
                        // half the time as JSON \\u escapes (lone surrogates survive only this way), else raw UTF-8
                        raw.put(field, rnd.nextBoolean() ? "\"" + escaped + "\"" : quote(unescape(escaped)));
                        body = json(raw);
                        contentType = "application/json";
                    }
                } else {
                    byte[] invalid = INVALID_UTF8[which - UNICODE_ESCAPED.length];
                    variant = field + " with invalid UTF-8 " + printable(invalid, 20);
                    if (route.body == Body.MULTIPART) {
                        body = multipartRaw(route, formFields(route, n), field, concat(utf8("fuzz "), invalid));
                        contentType = multipartType();
                    } else {
                        Map<String, String> raw = rawFields(route, n);
                        raw.put(field, "\"@@INVALID@@\"");
                        body = replace(json(raw), utf8("@@INVALID@@"), invalid);
                        contentType = "application/json";
                    }
                }
            }
            case BAD_DATA_URL -> {
                String url = pick(BAD_DATA_URLS);
                if (url.equals("@HUGE@")) {
                    url = "data:image/png;base64," + Base64.getEncoder().encodeToString(
                            concat(PNG_MAGIC, new byte[6 * MB]));
                } else if (url.equals("@GIF@")) {
                    url = "data:image/png;base64," + Base64.getEncoder().encodeToString(utf8("GIF89a\u0001\u0000\u0001\u0000"));
                } else if (url.equals("@PNG_MAGIC@")) {
                    url = "data:image/png;base64," + Base64.getEncoder().encodeToString(PNG_MAGIC);
                } else if (url.equals("@RANDOM@")) {
                    url = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(randomBytes(1 + rnd.nextInt(300)));
                } else if (url.equals("@PARAMS@")) {
                    url = "data:image/png" + ";a=b".repeat(20_000) + ",AAAA";
                }
                variant = url.length() > 60 ? url.substring(0, 60) + "…(" + url.length() + ")" : url;
                boolean v1 = route.openAi();
                String field = v1 ? "input_reference" : "referenceImage";
                if (route.body == Body.MULTIPART) {
                    Map<String, String> form = formFields(route, n);
                    form.put("referenceImage", url);
                    body = multipart(route, form, null);
                    contentType = multipartType();
                } else {
                    Map<String, String> raw = rawFields(route, n);
                    String value = quote(url);
                    if (v1) {
                        value = switch (rnd.nextInt(5)) {
                            case 0 -> value;
                            case 1 -> "{\"image_url\":{\"url\":" + value + "}}";
                            case 2 -> "{\"file_id\":" + value + "}";
                            default -> "{\"image_url\":" + value + "}";
                        };
                    }
                    raw.put(field, value);
                    body = json(raw);
                    contentType = "application/json";
                }
            }
            case BAD_MULTIPART -> {
                int kind = rnd.nextInt(13);
                Map<String, String> form = formFields(route.body == Body.MULTIPART ? route : Route.TASKS_MULTIPART, n);
                String boundary = "fuzzb" + rnd.nextInt(1_000_000);
                contentType = "multipart/form-data; boundary=" + boundary;
                switch (kind) {
                    case 0 -> {
                        variant = "no boundary parameter";
                        body = multipart(route, form, boundary, "\r\n", true);
                        contentType = "multipart/form-data";
                    }
                    case 1 -> {
                        variant = "boundary differs from the body's";
                        body = multipart(route, form, "other" + boundary, "\r\n", true);
                    }
                    case 2 -> {
                        variant = "truncated inside a part";
                        byte[] whole = multipart(route, form, boundary, "\r\n", true);
                        body = java.util.Arrays.copyOf(whole, Math.max(1, whole.length / 2));
                    }
                    case 3 -> {
                        variant = "no closing boundary";
                        body = multipart(route, form, boundary, "\r\n", false);
                    }
                    case 4 -> {
                        variant = "LF line endings";
                        body = multipart(route, form, boundary, "\n", true);
                    }
                    case 5 -> {
                        variant = "part without Content-Disposition";
                        body = utf8("--" + boundary + "\r\nContent-Type: text/plain\r\n\r\nhello\r\n--" + boundary + "--\r\n");
                    }
                    case 6 -> {
                        variant = "file part with a wrong declared type and random bytes";
                        body = multipartFile(route, form, boundary, pick(CONTENT_TYPES), randomBytes(rnd.nextInt(4 * KB)),
                                "clip.png");
                    }
                    case 7 -> {
                        variant = "file part of 6 MB (limit 5 MB)";
                        body = multipartFile(route, form, boundary, "image/png", concat(PNG_MAGIC, new byte[6 * MB]), "big.png");
                    }
                    case 8 -> {
                        variant = "file name with traversal, NUL and CRLF";
                        body = multipartFile(route, form, boundary, "image/png", concat(PNG_MAGIC, randomBytes(64)),
                                "../../../etc/passwd\u0000.png");
                    }
                    case 9 -> {
                        variant = "300 parts";
                        Map<String, String> many = new LinkedHashMap<>(form);
                        for (int i = 0; i < 300; i++) {
                            many.put("f" + i, "v" + i);
                        }
                        body = multipart(route, many, boundary, "\r\n", true);
                    }
                    case 10 -> {
                        variant = "boundary of 200 chars with quotes";
                        String longBoundary = "\"" + "b".repeat(200) + "\"";
                        contentType = "multipart/form-data; boundary=" + longBoundary;
                        body = multipart(route, form, "b".repeat(200), "\r\n", true);
                    }
                    case 11 -> {
                        variant = "multipart/mixed";
                        contentType = "multipart/mixed; boundary=" + boundary;
                        body = multipart(route, form, boundary, "\r\n", true);
                    }
                    default -> {
                        variant = "part header of 20 KB";
                        body = utf8("--" + boundary + "\r\nContent-Disposition: form-data; name=\"prompt\"\r\nX-Pad: "
                                + "p".repeat(20 * KB) + "\r\n\r\nhello\r\n--" + boundary + "--\r\n");
                    }
                }
            }
            case BAD_IDEMPOTENCY_KEY -> {
                String key = pick(BAD_KEYS);
                if (key.equals("@LONG@")) {
                    key = "k".repeat(256);
                } else if (key.equals("@VERY_LONG@")) {
                    key = "k".repeat(2000);
                } else if (key.equals("@REUSED@")) {
                    key = "fuzz-shared-key-" + rnd.nextInt(3);
                }
                headers.add(new String[]{"Idempotency-Key", key});
                if (rnd.nextInt(6) == 0) {
                    headers.add(new String[]{"Idempotency-Key", "second-" + rnd.nextInt(100)});
                }
                variant = "key " + printable(key.getBytes(StandardCharsets.ISO_8859_1), 40);
                if (route.body == Body.MULTIPART) {
                    body = multipart(route, formFields(route, n), null);
                    contentType = multipartType();
                } else {
                    body = json(rawFields(route, n));
                    contentType = route.body == Body.NONE ? null : "application/json";
                }
            }
            case RANDOM_BYTES -> {
                body = randomBytes(rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(8 * KB));
                contentType = rnd.nextInt(8) == 0 ? null : pick(CONTENT_TYPES);
                if ("@RANDOM@".equals(contentType)) {
                    contentType = randomAscii(1 + rnd.nextInt(40));
                }
                variant = "content type " + contentType;
            }
            case BAD_AUTH -> {
                String auth = pick(BAD_AUTHS).replace("@TOKEN@", token);
                variant = "Authorization " + (auth.length() > 30 ? auth.substring(0, 30) + "…" : auth);
                if (!auth.equals("@NONE@")) {
                    headers.add(new String[]{"Authorization", auth});
                }
                headers.add(new String[]{"X-No-Default-Auth", "1"});
                if (route.body == Body.MULTIPART) {
                    body = multipart(route, formFields(route, n), null);
                    contentType = multipartType();
                } else {
                    body = route.body == Body.NONE ? null : json(rawFields(route, n));
                    contentType = route.body == Body.NONE ? null : "application/json";
                }
            }
            case BAD_ACCEPT -> {
                String accept = pick(ACCEPTS);
                headers.add(new String[]{"Accept", accept});
                variant = "Accept " + accept;
                // a body that is wrong in a random way, so both success and error rendering meet the Accept header
                if (route.body == Body.MULTIPART) {
                    Map<String, String> form = formFields(route, n);
                    if (rnd.nextBoolean()) {
                        form.put("prompt", "");
                    }
                    body = multipart(route, form, null);
                    contentType = multipartType();
                } else {
                    Map<String, String> raw = rawFields(route, n);
                    if (rnd.nextBoolean() && !raw.isEmpty()) {
                        raw.put(pick(fieldsOf(route)), "[]");
                    }
                    body = route.body == Body.NONE ? null : json(raw);
                    contentType = route.body == Body.NONE ? null : "application/json";
                }
            }
            case BAD_ID -> {
                if (!route.hasId()) {
                    return null;
                }
                id = pick(BAD_IDS);
                if (id.equals("@OTHERS@")) {
                    id = othersTask;
                } else if (id.equals("@RANDOM@")) {
                    id = VideoId.random().value();
                } else if (id.equals("@LONG@")) {
                    id = "video_" + "a".repeat(3000);
                }
                variant = "id " + (id.length() > 60 ? id.substring(0, 60) + "…" : id);
                if (route.body == Body.MULTIPART) {
                    body = multipart(route, formFields(route, n), null);
                    contentType = multipartType();
                } else {
                    body = route.body == Body.NONE ? null : json(rawFields(route, n));
                    contentType = route.body == Body.NONE ? null : "application/json";
                }
            }
            case VALID -> {
                variant = "valid";
                if (rnd.nextInt(3) == 0) {
                    headers.add(new String[]{"Idempotency-Key", "fuzz-valid-" + rnd.nextInt(4)});
                    variant += " with a reused Idempotency-Key";
                }
                if (route.body == Body.MULTIPART) {
                    Map<String, String> form = formFields(route, n);
                    boolean withImage = route.isCreate() && rnd.nextBoolean();
                    body = withImage ? multipartFile(route, form, MULTIPART_BOUNDARY, "image/png",
                            concat(PNG_MAGIC, randomBytes(32)), "ok.png") : multipart(route, form, null);
                    contentType = multipartType();
                } else {
                    body = route.body == Body.NONE ? null : json(rawFields(route, n));
                    contentType = route.body == Body.NONE ? null : "application/json";
                }
            }
            default -> throw new IllegalStateException(gen.name());
        }
        if (contentType != null) {
            headers.add(0, new String[]{"Content-Type", contentType});
        }
        String path = route.template.replace("{id}", id == null ? "" : id);
        try {
            URI.create("http://localhost" + path);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return new Fuzz(n, gen, route, variant, path, headers, body, false);
    }

    private Fuzz chunkedOversize(Route route) {
        int n = counter++;
        byte[] body;
        String contentType;
        if (route.body == Body.MULTIPART) {
            body = multipartFile(route, formFields(route, n), MULTIPART_BOUNDARY, "image/png",
                    concat(PNG_MAGIC, new byte[8 * MB + 64 * KB]), "huge.png");
            contentType = multipartType();
        } else {
            Map<String, String> raw = rawFields(route, n);
            raw.put("prompt", quote("p".repeat(8 * MB + 64 * KB)));
            body = json(raw);
            contentType = "application/json";
        }
        List<String[]> headers = new ArrayList<>();
        headers.add(new String[]{"Content-Type", contentType});
        return new Fuzz(n, Gen.HUGE_STRING, route, "chunked body just over 8 MB", route.template, headers, body, true);
    }

    private String defaultId(Route route) {
        if (route == Route.V1_DELETE) {
            return switch (rnd.nextInt(4)) {
                case 0 -> deletableTask;
                case 1 -> othersTask;
                case 2 -> VideoId.random().value();
                default -> "not-a-video";
            };
        }
        return rnd.nextInt(10) == 0 ? othersTask : completedTask;
    }

    /** The route's fields with valid values, as raw JSON fragments. */
    private Map<String, String> rawFields(Route route, int n) {
        Map<String, String> raw = new LinkedHashMap<>();
        switch (route) {
            case TASKS_JSON, TASKS_MULTIPART, RELAY_MULTIPART -> {
                raw.put("prompt", quote("fuzz clip " + n));
                raw.put("model", "\"sora-2\"");
                raw.put("size", "\"720x1280\"");
                raw.put("seconds", "4");
            }
            case V1_JSON, V1_MULTIPART -> {
                raw.put("prompt", quote("fuzz video " + n));
                raw.put("model", "\"sora-2\"");
                raw.put("size", "\"720x1280\"");
                raw.put("seconds", "\"4\"");
            }
            case REMIX, V1_REMIX_JSON, V1_REMIX_MULTIPART -> raw.put("prompt", quote("fuzz remix " + n));
            case CANCEL -> raw.put("reason", quote("fuzz " + n));
            case DEV_TOKEN -> {
                raw.put("sub", quote("fuzz-" + n));
                raw.put("roles", "[\"user\"]");
            }
            default -> {
            }
        }
        return raw;
    }

    private Map<String, String> formFields(Route route, int n) {
        Map<String, String> form = new LinkedHashMap<>();
        rawFields(route, n).forEach((k, v) -> form.put(k, v.startsWith("\"") ? v.substring(1, v.length() - 1) : v));
        return form;
    }

    private Map<String, String> allFields(Route route, int n, String value) {
        Map<String, String> raw = rawFields(route, n);
        for (String field : fieldsOf(route)) {
            raw.put(field, value);
        }
        return raw;
    }

    /** The fields a route reads (and a few it should ignore). */
    private static List<String> fieldsOf(Route route) {
        return switch (route) {
            case TASKS_JSON, TASKS_MULTIPART, RELAY_MULTIPART -> List.of("prompt", "model", "size", "seconds", "duration",
                    "mediaType", "referenceImage");
            case V1_JSON, V1_MULTIPART -> List.of("prompt", "model", "size", "seconds", "input_reference");
            case REMIX -> List.of("prompt", "model");
            case V1_REMIX_JSON, V1_REMIX_MULTIPART -> List.of("prompt", "model");
            case CANCEL -> List.of("reason");
            case DEV_TOKEN -> List.of("sub", "roles");
            default -> List.of("anything", "prompt");
        };
    }

    private static final String MULTIPART_BOUNDARY = "fuzzboundaryQx7";

    private static String multipartType() {
        return "multipart/form-data; boundary=" + MULTIPART_BOUNDARY;
    }

    private byte[] multipart(Route route, Map<String, String> form, String boundary) {
        return multipart(route, form, boundary == null ? MULTIPART_BOUNDARY : boundary, "\r\n", true);
    }

    private static byte[] multipart(Route route, Map<String, String> form, String boundary, String eol, boolean close) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        form.forEach((k, v) -> write(out, "--" + boundary + eol + "Content-Disposition: form-data; name=\"" + k + "\"" + eol
                + eol + v + eol));
        if (close) {
            write(out, "--" + boundary + "--" + eol);
        }
        return out.toByteArray();
    }

    private static byte[] multipartRaw(Route route, Map<String, String> form, String field, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        form.remove(field);
        form.forEach((k, v) -> write(out, "--" + MULTIPART_BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + k
                + "\"\r\n\r\n" + v + "\r\n"));
        write(out, "--" + MULTIPART_BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field + "\"\r\n\r\n");
        out.writeBytes(value);
        write(out, "\r\n--" + MULTIPART_BOUNDARY + "--\r\n");
        return out.toByteArray();
    }

    private static byte[] multipartFile(Route route, Map<String, String> form, String boundary, String type, byte[] file,
                                        String fileName) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        form.forEach((k, v) -> write(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + k
                + "\"\r\n\r\n" + v + "\r\n"));
        write(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"input_reference\"; filename=\""
                + fileName + "\"\r\nContent-Type: " + type + "\r\n\r\n");
        out.writeBytes(file);
        write(out, "\r\n--" + boundary + "--\r\n");
        return out.toByteArray();
    }

    private byte[] multipartWithNestedPart(Route route, int n) {
        String inner = "innerb" + rnd.nextInt(1000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        formFields(route, n).forEach((k, v) -> write(out, "--" + MULTIPART_BOUNDARY
                + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n"));
        write(out, "--" + MULTIPART_BOUNDARY + "\r\nContent-Disposition: form-data; name=\"input_reference\"\r\n"
                + "Content-Type: multipart/mixed; boundary=" + inner + "\r\n\r\n--" + inner
                + "\r\nContent-Disposition: file; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n");
        out.writeBytes(PNG_MAGIC);
        write(out, "\r\n--" + inner + "--\r\n\r\n--" + MULTIPART_BOUNDARY + "--\r\n");
        return out.toByteArray();
    }

    private static byte[] json(Map<String, String> raw) {
        StringBuilder s = new StringBuilder("{");
        raw.forEach((k, v) -> {
            if (s.length() > 1) {
                s.append(',');
            }
            s.append(quote(k)).append(':').append(v);
        });
        return utf8(s.append('}').toString());
    }

    private String bracketSoup(int length) {
        String alphabet = "{}[]\":,a1 \\";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private String randomAscii(int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append((char) (0x20 + rnd.nextInt(0x5F)));
        }
        return s.toString();
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        rnd.nextBytes(bytes);
        return bytes;
    }

    private <T> T pick(T[] values) {
        return values[rnd.nextInt(values.length)];
    }

    private <T> T pick(List<T> values) {
        return values.get(rnd.nextInt(values.size()));
    }

    // ---------------------------------------------------------------- the corpus

    static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    static final String[] BAD_JSON = {
            "{", "}", "[", "]", "{]", "[}", "{{}}", "{\"prompt\":}", "{\"prompt\":\"a\",}", "{,}", "{\"prompt\" \"a\"}",
            "{'prompt':'a'}", "{prompt:\"a\"}", "{\"prompt\":\"a\"}}", "{\"prompt\":\"a\"}{\"prompt\":\"b\"}",
            "[{\"prompt\":\"a\",\"model\":\"sora-2\"}]", "\"just a string\"", "42", "true", "null", "-",
            "{\"prompt\":[\"a\",{\"b\":]}}", "{\"a\":{\"b\":{\"c\":[1,2,{]}}}", "/* comment */ {}",
            "{\"prompt\":\"a\" // comment\n}", "{\"prompt\":\"unterminated}", "{\"prompt\":\"a\\q\"}",
            "{\"prompt\":\"\\u12\"}", "{\"prompt\":\"\\uZZZZ\"}", "\uFEFF{\"prompt\":\"bom\",\"model\":\"sora-2\"}",
            "{\"prompt\":NaN}", "{\"seconds\":Infinity}", "{\"seconds\":-Infinity}", "{\"seconds\":01}",
            "{\"seconds\":+4}", "{\"seconds\":.5}", "{\"seconds\":4.}", "{\"seconds\":0x10}", "{\"seconds\":1e}",
            "{\"prompt\":\"a\",\"prompt\":\"b\",\"model\":\"sora-2\"}", "{\"prompt\":\"line\nbreak\",\"model\":\"sora-2\"}",
            "{\"prompt\":\"tab\there\"}", "{\"\":\"\"}", "{null:1}", "{\"prompt\":undefined}", "{\"prompt\":'single'}",
            "{\"prompt\":\"a\"\u0000}", "\u0000", "{\"prompt\":\"x\"} trailing", ",{}", "{}{}", "[1,2,3,]", "[,]",
            "{\"model\":\"sora-2\",\"prompt\":{\"$ne\":null}}", "{\"__proto__\":{\"admin\":true}}",
            "{\"constructor\":{\"prototype\":{\"x\":1}}}", "{\"prompt\":\"a\"}\r\n\r\n{\"prompt\":\"b\"}"
    };

    static final String[] HUGE_NUMBERS = {
            "1e400", "-1e400", "1e-400", "123456789012345678901234567890", "-9223372036854775809", "2147483648",
            "-2147483649", "9".repeat(1000), "9".repeat(5000), "0." + "0".repeat(2000) + "1", "4.0", "4e0", "-0", "0", "-4",
            "1.7976931348623157E309", "4.000000000000000000000001", "1" + "0".repeat(999), "-" + "1".repeat(1500)
    };

    static final String[] WRONG_JSON_VALUES = {
            "123", "-1", "0", "1.5", "true", "false", "null", "[]", "{}", "[\"x\"]", "{\"x\":1}", "[null]", "[[]]",
            "\"\"", "[1,2,3]", "{\"prompt\":\"nested\"}", "[\"user\",\"admin\",null]", "[\"root\"]", "\"admin\"",
            "[\"sora-2\"]", "{\"image_url\":null}", "[true]", "[1]"
    };

    static final String[] WRONG_FORM_VALUES = {
            "abc", "-1", "0", "1.5", "true", "null", "[]", "{}", "4.0", "1e400", "99999999999999999999", " 4 ", "４",
            "IMAGE", "image", "VIDEO\u0000", "720x1280 ", "x", "data:,", "NaN", "Infinity", "%00", "{\"image_url\":\"x\"}"
    };

    /** JSON-escaped edge strings (the escapes keep lone surrogates and NUL intact on the wire). */
    static final String[] UNICODE_ESCAPED = {
            "\\ud800", "\\udfff", "a\\ud800b", "\\udc00\\ud800", "\\ud83c", "\\udbff\\udfff", "\\u0000", "a\\u0000b",
            "\\u0000\\u0000", "\\u202e\\u0645\\u0631\\u062d\\u0628\\u0627", "abc\\u202edcba", "\\u200f\\u200e\\u061c",
            "\\ud83c\\udfac\\ud83d\\udc69\\u200d\\ud83d\\udc69\\u200d\\ud83d\\udc67", "\\ud83c\\uddfa\\ud83c\\uddf3",
            "e" + "\\u0301".repeat(500), "\\u0301\\u0302\\u0303", "\\ufeffprompt", "\\uffff\\ufffe", "\\ufffd",
            "\\u0001\\u0002\\u001f\\u007f", "\\u2028\\u2029", "\\u00a0\\u2003\\u3000", "\\u200b", "\\u180e",
            "sora-2\\u200b", "720x1280\\u0000", "\\u0130\\u0131", "\\ud834\\udd1e", "\\u0000sora-2"
    };

    static final byte[][] INVALID_UTF8 = {
            {(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xFF}, {(byte) 0xFE, (byte) 0xFF},
            {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0x80},
            {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xC3}
    };

    static final String[] BAD_DATA_URLS = {
            "data:", "data:image/png;base64,", "data:image/png;base64,%%%%", "data:image/png;base64,AAA",
            "data:image/png,not-base64", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+", "data:;base64,AAAA", "DATA:IMAGE/PNG;BASE64,AAAA",
            "javascript:alert(1)", "file:///etc/passwd", "http://169.254.169.254/latest/meta-data/",
            "https://evil.example/x.png", "//evil.example/x.png", "data:image/png;base64,\u0000",
            "data:image/png;base64,iVBO\nRw0K\nGgo=", "data:image/png;base64,====", "@HUGE@", "@GIF@", "@PNG_MAGIC@",
            "@RANDOM@", "@PARAMS@", "data:image/png;base64,Qk0=", "data:image/png;base64,\uD83C\uDFAC", "", " ",
            "data:image/png;base64," + "A".repeat(4 * KB + 1), "https://", "https://[::1]/x.png", "ftp://x/y.png"
    };

    static final String[] BAD_KEYS = {
            "", " ", "\t", "a b", "@LONG@", "@VERY_LONG@", "cl\u00e9", "\u00ff\u00fe", "\u00a0", "key\t", " key",
            "@REUSED@", "@REUSED@", "\"quoted\"", "k,k", "*", "=", "../../x"
    };

    static final String[] CONTENT_TYPES = {
            "application/json", "application/json; charset=utf-16", "application/json; charset=bogus",
            "application/json; charset=", "text/plain", "text/html", "application/xml", "application/x-www-form-urlencoded",
            "multipart/form-data", "multipart/form-data; boundary=x", "multipart/form-data; boundary=", "application/octet-stream",
            "image/png", "*/*", "", "garbage", "application/", ";;;", "application/json;;", "application/vnd.api+json",
            "application/merge-patch+json", "application/x-ndjson", "application/cbor", "application/problem+json",
            "text/event-stream", "application/json; boundary=x", "@RANDOM@", "@RANDOM@"
    };

    static final String[] BAD_AUTHS = {
            "@NONE@", "Bearer", "Bearer ", "Bearer not-a-jwt", "Bearer a.b.c", "Bearer @TOKEN@x", "Basic Zm9vOmJhcg==",
            "Bearer @TOKEN@ @TOKEN@", "Token @TOKEN@", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "bearer @TOKEN@",
            "Bearer  @TOKEN@", "Bearer " + "A".repeat(3000), "Bearer %00", "Bearer \u00e9"
    };

    static final String[] ACCEPTS = {
            "application/xml", "text/html", "image/png", "text/event-stream", "application/problem+json",
            "application/json;q=0", "*/*;q=0", "garbage", "", "application/json", "text/plain", "application/*",
            "multipart/form-data", "application/json, application/problem+xml"
    };

    static final String[] BAD_IDS = {
            "x", "video_", "@LONG@", "VIDEO_0b8f3a32-6b37-4a5c-9d29-2f6c1f3bb0a1", "@OTHERS@", "@RANDOM@",
            "%F0%9F%8E%AC", "video_%E2%80%AE", "%20", "null", "undefined", "0", "-1", "a".repeat(5000), "*", "..",
            "video_%C3%A9", "~", "video_00000000-0000-0000-0000-000000000000"
    };

    // ---------------------------------------------------------------- sending and judging

    private Answer send(Fuzz fuzz) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + fuzz.path()))
                .timeout(Duration.ofSeconds(30));
        boolean defaultAuth = true;
        for (String[] h : fuzz.headers()) {
            if (h[0].equals("X-No-Default-Auth")) {
                defaultAuth = false;
                continue;
            }
            request.header(h[0], h[1]);
        }
        if (defaultAuth && fuzz.route() != Route.DEV_TOKEN) {
            request.header("Authorization", "Bearer " + token);
        }
        byte[] body = fuzz.body();
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : fuzz.chunked() ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                : HttpRequest.BodyPublishers.ofByteArray(body);
        request.method(fuzz.route().method, publisher);
        try {
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    new String(response.body(), StandardCharsets.UTF_8),
                    response.headers().firstValue("Idempotent-Replayed").orElse(null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Null when the answer is acceptable; else what is wrong with it. */
    static String judge(Route route, Answer answer) {
        int status = answer.status();
        if (status >= 500) {
            return "a server error";
        }
        if (status < 200 || status >= 300 && status < 400) {
            return "neither a success nor a client error";
        }
        if (status < 300) {
            return null;
        }
        JsonNode body;
        try {
            body = JSON.readTree(answer.body());
        } catch (JsonProcessingException e) {
            return "an error body that is not JSON";
        }
        if (body == null) {
            return "an empty error body";
        }
        if (route.openAi()) {
            if (!answer.contentType().startsWith("application/json")) {
                return "an OpenAI-route error that is not application/json";
            }
            JsonNode error = body.path("error");
            if (!error.isObject() || !error.path("message").isTextual() || !error.path("type").isTextual()
                    || !error.has("code")) {
                return "an OpenAI-route error without the {\"error\":{message,type,code}} envelope";
            }
            return null;
        }
        if (!answer.contentType().startsWith("application/problem+json")) {
            return "an error that is not application/problem+json";
        }
        if (body.path("status").asInt() != status || !body.path("code").isTextual() || !body.path("title").isTextual()) {
            return "a problem+json without a matching status, a title and a code";
        }
        return null;
    }

    private static String createdId(Answer answer) {
        try {
            JsonNode body = JSON.readTree(answer.body());
            JsonNode id = body.at("/data/videoId");
            if (id.isMissingNode()) {
                id = body.path("id");
            }
            return id.isTextual() ? id.asText() : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private long taskSubmittedCount() {
        return countOf(TASK_SUBMITTED);
    }

    private long countOf(String payloadType) {
        Long count = jdbc.queryForObject("select count(*) from domain_event_entry where payload_type = ?", Long.class,
                payloadType);
        return count == null ? 0 : count;
    }

    private String create(HttpApi api, String bearer, String prompt) {
        HttpApi.Response created = api.postJson("/api/video/tasks", bearer,
                "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }

    // ---------------------------------------------------------------- small utilities

    private static String quote(String value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Turns the corpus' {@code \\uXXXX} escapes into the characters themselves. */
    private static String unescape(String escaped) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (escaped.startsWith("\\u", i) && i + 6 <= escaped.length()) {
                s.append((char) Integer.parseInt(escaped.substring(i + 2, i + 6), 16));
                i += 5;
            } else {
                s.append(c);
            }
        }
        return s.toString();
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] replace(byte[] haystack, byte[] needle, byte[] replacement) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return concat(concat(java.util.Arrays.copyOf(haystack, i), replacement),
                        java.util.Arrays.copyOfRange(haystack, i + needle.length, haystack.length));
            }
        }
        return haystack;
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(utf8(text));
    }

    /** Bytes as text with non-printables escaped, for reproducers. */
    static String printable(byte[] bytes, int max) {
        if (bytes == null) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        int n = Math.min(bytes.length, max);
        for (int i = 0; i < n; i++) {
            int b = bytes[i] & 0xFF;
            if (b >= 0x20 && b < 0x7F && b != '\\') {
                s.append((char) b);
            } else {
                s.append(String.format("\\x%02X", b));
            }
        }
        if (bytes.length > max) {
            s.append("…(").append(bytes.length).append(" bytes)");
        }
        return s.toString();
    }
}
