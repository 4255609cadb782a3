package dev.reelay.infra.content;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.infra.provider.ProviderSettings;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Copy-on-complete against a provider over real HTTP (MockWebServer speaking the OpenAI videos format): every
 * variant is downloaded with the provider's key and recorded with the sha256 of its bytes, a variant the provider does
 * not have (404) is left out at once, and one it cannot give now (429 with Retry-After, 500) makes the job try again instead of being left out, until the last
 * attempt, which records what arrived.
 */
@ReelayIntegrationTest
class ArchiveDownloadsTest {

    static final String KEY = "test-key-" + UUID.randomUUID();
    static final ObjectMapper JSON = new ObjectMapper();
    static final Provider PROVIDER = new Provider();
    static final int ATTEMPTS = 3;

    @DynamicPropertySource
    static void provider(DynamicPropertyRegistry registry) {
        registry.add("reelay.sandbox.enabled", () -> "false");
        registry.add("reelay.content.archive-first-backoff", () -> "300ms");
        registry.add("reelay.content.archive-attempts", () -> String.valueOf(ATTEMPTS));
        ProviderSettings.provider(registry, 0, "videos", "openai-videos",
                "http://127.0.0.1:" + PROVIDER.server.getPort() + "/v1", KEY, 1);
        registry.add("reelay.providers[0].models[0]", () -> "sora-2");
    }

    @AfterAll
    static void stop() throws IOException {
        PROVIDER.server.shutdown();
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    HttpApi api;
    String token;

    @BeforeEach
    void setUp() {
        api = new HttpApi(port);
        token = api.token("archivist");
    }

    @Test
    void everyVariantIsDownloadedWithTheProvidersKeyAndRecordedWithTheSha256OfItsBytes() throws Exception {
        String prompt = "all three " + UUID.randomUUID();
        PROVIDER.script(prompt, Map.of());

        String videoId = submit(prompt);

        Map<String, JsonNode> archived = awaitArchived(videoId, 3);
        String job = PROVIDER.jobOf(prompt);
        assertThat(PROVIDER.contentRequests(job)).extracting(Seen::answer)
                .containsExactly("video:200", "thumbnail:200", "spritesheet:200");
        assertThat(PROVIDER.contentRequests(job)).allSatisfy(seen ->
                assertThat(seen.authorization()).isEqualTo("Bearer " + KEY));
        for (String variant : List.of("video", "thumbnail", "spritesheet")) {
            assertThat(archived.get(variant).get("sha256").asText()).isEqualTo(sha256(Provider.bytes(job, variant)));
            assertThat(archived.get(variant).get("bytes").asLong()).isEqualTo(Provider.bytes(job, variant).length);
        }
        assertThat(eventTypes(videoId)).noneMatch(type -> type.endsWith("ContentArchiveFailed"));
    }

    @Test
    void aVariantTheProviderCannotGiveNowIsTriedAgainAfterItsRetryAfterAndOneItLacksIsLeftOutAtOnce() {
        String prompt = "rate limited " + UUID.randomUUID();
        PROVIDER.script(prompt, Map.of("thumbnail", new ArrayDeque<>(List.of(429, 200)),
                "spritesheet", new ArrayDeque<>(List.of(404, 404))));

        String videoId = submit(prompt);

        Map<String, JsonNode> archived = awaitArchived(videoId, 2);
        assertThat(archived).containsOnlyKeys("video", "thumbnail");
        String job = PROVIDER.jobOf(prompt);
        List<Seen> thumbnails = PROVIDER.contentRequests(job).stream().filter(s -> s.variant().equals("thumbnail")).toList();
        assertThat(thumbnails).extracting(Seen::answer).containsExactly("thumbnail:429", "thumbnail:200");
        // the 429's Retry-After (1 s) holds every call to the provider, the job's retry included
        assertThat(TimeUnit.NANOSECONDS.toMillis(thumbnails.get(1).atNanos() - thumbnails.get(0).atNanos()))
                .isGreaterThanOrEqualTo(1000);
        assertThat(PROVIDER.contentRequests(job)).filteredOn(s -> s.variant().equals("spritesheet")).hasSize(2);
        assertThat(eventTypes(videoId)).noneMatch(type -> type.endsWith("ContentArchiveFailed"));
    }

    @Test
    void theLastAttemptRecordsWhatArrivedWhenAVariantKeepsFailing() {
        String prompt = "failing thumbnail " + UUID.randomUUID();
        PROVIDER.script(prompt, Map.of("thumbnail", new ArrayDeque<>(List.of(500, 500, 500))));

        String videoId = submit(prompt);

        Map<String, JsonNode> archived = awaitArchived(videoId, 2);
        assertThat(archived).containsOnlyKeys("video", "spritesheet");
        assertThat(PROVIDER.contentRequests(PROVIDER.jobOf(prompt))).filteredOn(s -> s.variant().equals("thumbnail"))
                .extracting(Seen::answer).containsExactly("thumbnail:500", "thumbnail:500", "thumbnail:500");
        assertThat(eventTypes(videoId)).noneMatch(type -> type.endsWith("ContentArchiveFailed"));
    }

    private String submit(String prompt) {
        HttpApi.Response created = api.postJson("/api/video/tasks", token,
                "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }

    /** The task's {@code ContentArchived} events by variant, once there are {@code count} of them. */
    private Map<String, JsonNode> awaitArchived(String videoId, int count) {
        await().atMost(Duration.ofSeconds(40)).until(() -> archivedEvents(videoId).size() == count);
        Map<String, JsonNode> byVariant = new ConcurrentHashMap<>();
        archivedEvents(videoId).forEach(event -> byVariant.put(event.get("variant").asText(), event));
        return byVariant;
    }

    private List<JsonNode> archivedEvents(String videoId) {
        return jdbc.queryForList("select payload from domain_event_entry where aggregate_identifier = ? "
                        + "and payload_type like '%ContentArchived' order by sequence_number", byte[].class, videoId)
                .stream().map(ArchiveDownloadsTest::read).toList();
    }

    private List<String> eventTypes(String videoId) {
        return jdbc.queryForList("select payload_type from domain_event_entry where aggregate_identifier = ? "
                + "order by sequence_number", String.class, videoId);
    }

    private static JsonNode read(byte[] payload) {
        try {
            return JSON.readTree(new String(payload, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** One content request as the provider saw it. */
    record Seen(String job, String variant, int status, String authorization, long atNanos) {
        String answer() {
            return variant + ":" + status;
        }
    }

    /**
     * A provider in the OpenAI videos format: a job completes at its first poll; its content answers per variant as
     * scripted for the prompt (200 once the script is used up).
     */
    static final class Provider extends Dispatcher {

        private record Script(Map<String, Deque<Integer>> statuses) {
        }

        final MockWebServer server = new MockWebServer();
        private final Map<String, Script> scriptsByPrompt = new ConcurrentHashMap<>();
        private final Map<String, String> jobsByPrompt = new ConcurrentHashMap<>();
        private final Map<String, Script> scriptsByJob = new ConcurrentHashMap<>();
        private final List<Seen> seen = new CopyOnWriteArrayList<>();
        private final AtomicInteger jobs = new AtomicInteger();

        Provider() {
            server.setDispatcher(this);
            try {
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void script(String prompt, Map<String, Deque<Integer>> statuses) {
            scriptsByPrompt.put(prompt, new Script(new ConcurrentHashMap<>(statuses)));
        }

        String jobOf(String prompt) {
            return jobsByPrompt.get(prompt);
        }

        List<Seen> contentRequests(String job) {
            return seen.stream().filter(s -> s.job().equals(job)).toList();
        }

        static byte[] bytes(String job, String variant) {
            return (variant + " of " + job + ", not really media").getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath() == null ? "" : request.getPath();
            if (request.getMethod().equals("POST") && path.equals("/v1/videos")) {
                String prompt = read(request.getBody().readByteArray()).get("prompt").asText();
                String job = "vid_" + jobs.incrementAndGet();
                jobsByPrompt.put(prompt, job);
                scriptsByJob.put(job, scriptsByPrompt.getOrDefault(prompt, new Script(Map.of())));
                return job(job, "queued", 0);
            }
            String[] parts = path.split("\\?")[0].split("/"); // ['', 'v1', 'videos', id, 'content'?]
            if (request.getMethod().equals("GET") && parts.length == 4) {
                return job(parts[3], "completed", 100);
            }
            if (request.getMethod().equals("GET") && parts.length == 5 && parts[4].equals("content")) {
                return content(parts[3], path.substring(path.indexOf("variant=") + "variant=".length()), request);
            }
            return new MockResponse().setResponseCode(404);
        }

        private MockResponse content(String job, String variant, RecordedRequest request) {
            long at = System.nanoTime();
            Script script = scriptsByJob.getOrDefault(job, new Script(Map.of()));
            int status = 200;
            Deque<Integer> scripted = script.statuses().get(variant);
            if (scripted != null) {
                Integer next = scripted.poll();
                status = next == null ? status : next;
            }
            seen.add(new Seen(job, variant, status, request.getHeader("Authorization"), at));
            if (status == 200) {
                return new MockResponse().setResponseCode(200)
                        .setHeader("Content-Type", variant.equals("video") ? "video/mp4" : "image/webp")
                        .setBody(new Buffer().write(bytes(job, variant)));
            }
            MockResponse refusal = new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json")
                    .setBody("{\"error\":{\"code\":\"" + status + "\",\"message\":\"not now\"}}");
            return status == 429 ? refusal.setHeader("Retry-After", "1") : refusal;
        }

        private static MockResponse job(String id, String status, int progress) {
            return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                    .setBody("{\"id\":\"" + id + "\",\"object\":\"video\",\"model\":\"sora-2\",\"status\":\"" + status
                            + "\",\"progress\":" + progress + ",\"size\":\"720x1280\",\"seconds\":\"4\"}");
        }
    }
}
