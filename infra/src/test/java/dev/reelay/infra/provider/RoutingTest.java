package dev.reelay.infra.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static dev.reelay.infra.provider.ProviderAdaptersTest.error;
import static dev.reelay.infra.provider.ProviderAdaptersTest.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Capabilities per provider and routing: validation accepts the union of the providers' offers and names what the
 * model supports; a request goes to the providers that offer its size and duration, by priority, then price, then
 * health, failing over to the next; the choice and its reason are in the call log; {@code GET /api/video/models}
 * lists the union.
 */
@ReelayIntegrationTest
class RoutingTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ProviderAdaptersTest.Upstream CHEAP = new ProviderAdaptersTest.Upstream("cheap");
    static final ProviderAdaptersTest.Upstream DEAR = new ProviderAdaptersTest.Upstream("dear");
    static final ProviderAdaptersTest.Upstream WIDE = new ProviderAdaptersTest.Upstream("wide");

    @DynamicPropertySource
    static void providers(DynamicPropertyRegistry registry) {
        ProviderSettings.quickRetries(registry, 2);
        // listed first with the higher price: the order of configuration does not decide
        provider(registry, 0, "dear", DEAR, 1);
        offer(registry, 0, "1280x720", "0.10");
        registry.add("reelay.providers[0].capabilities[0].price-per-second-by-resolution[720p]", () -> "0.12");
        provider(registry, 1, "cheap", CHEAP, 1);
        offer(registry, 1, "1280x720", "0.05");
        provider(registry, 2, "wide", WIDE, 2);
        offer(registry, 2, "1920x1080", "0.30");
        registry.add("reelay.providers[2].capabilities[0].audio", () -> "true");
    }

    private static void provider(DynamicPropertyRegistry registry, int index, String id, ProviderAdaptersTest.Upstream fake,
                                 int priority) {
        ProviderSettings.provider(registry, index, id, "openai-videos", "http://127.0.0.1:" + fake.server.getPort() + "/v1",
                "key-" + id, priority);
    }

    private static void offer(DynamicPropertyRegistry registry, int index, String size, String price) {
        String c = "reelay.providers[" + index + "].capabilities[0].";
        registry.add(c + "id", () -> "kling-x");
        registry.add(c + "sizes[0]", () -> size);
        registry.add(c + "seconds[0]", () -> "5");
        registry.add(c + "seconds[1]", () -> "10");
        registry.add(c + "image-input", () -> "false");
        registry.add(c + "price-per-second", () -> price);
    }

    @AfterAll
    static void stop() throws IOException {
        CHEAP.server.shutdown();
        DEAR.server.shutdown();
        WIDE.server.shutdown();
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    HttpApi api;
    String token;

    @BeforeEach
    void setUp() {
        CHEAP.reset();
        DEAR.reset();
        WIDE.reset();
        api = new HttpApi(port);
        token = api.token("routing-" + UUID.randomUUID());
    }

    @Test
    void amongProvidersOfEqualPriorityTheCheaperOneIsChosenAndTheCallLogSaysWhy() throws Exception {
        CHEAP.onCreate(job("c1", "queued", 0));
        CHEAP.onRetrieve("c1", job("c1", "completed", 100));

        String videoId = submit("1280x720", 5);
        awaitProvider(videoId, "cheap");

        assertThat(DEAR.creates()).isEmpty();
        assertThat(WIDE.creates()).isEmpty();
        JsonNode route = JSON.readTree(routeRow(videoId));
        assertThat(route.get("reason").asText()).isEqualTo("price 0.05/s before 0.12/s");
        assertThat(route.get("order")).extracting(n -> n.get("id").asText()).containsExactly("cheap", "dear");
    }

    @Test
    void whenTheCheaperProviderAnswers500TheTaskFailsOverToTheNext() {
        CHEAP.onCreate(error(500, "server_error", "down"));
        DEAR.onCreate(job("d1", "queued", 0));
        DEAR.onRetrieve("d1", job("d1", "completed", 100));

        String videoId = submit("1280x720", 10);
        awaitProvider(videoId, "dear");

        assertThat(CHEAP.creates()).hasSize(2);
        assertThat(DEAR.creates()).hasSize(1);
        assertThat(WIDE.creates()).isEmpty();
    }

    @Test
    void aSizeOnlyALowerPriorityProviderOffersGoesThere() {
        WIDE.onCreate(job("w1", "queued", 0));
        WIDE.onRetrieve("w1", job("w1", "completed", 100));

        String videoId = submit("1920x1080", 5);
        awaitProvider(videoId, "wide");

        assertThat(CHEAP.creates()).isEmpty();
        assertThat(DEAR.creates()).isEmpty();
        assertThat(routeRow(videoId)).contains("only wide serves this request");
    }

    @Test
    void aSizeNoProviderOffersIsRefusedNamingWhatTheModelSupports() {
        HttpApi.Response refused = api.postJson("/api/video/tasks", token,
                "{\"prompt\":\"a fox\",\"model\":\"kling-x\",\"size\":\"720x720\",\"seconds\":5}");

        assertThat(refused.status()).isEqualTo(422);
        JsonNode error = refused.json().get("errors").get(0);
        assertThat(error.get("field").asText()).isEqualTo("size");
        assertThat(error.get("message").asText()).contains("kling-x").contains("[1280x720, 1920x1080]");
        assertThat(CHEAP.seen).isEmpty();
        assertThat(DEAR.seen).isEmpty();
        assertThat(WIDE.seen).isEmpty();
    }

    @Test
    void theModelsRouteListsTheUnionOfTheProvidersOffers() {
        HttpApi.Response response = api.get("/api/video/models", token);

        assertThat(response.status()).isEqualTo(200);
        JsonNode kling = null;
        for (JsonNode model : response.json().at("/data/models")) {
            if (model.get("id").asText().equals("kling-x")) {
                kling = model;
            }
        }
        assertThat(kling).as(response.body()).isNotNull();
        assertThat(kling.get("sizes")).extracting(JsonNode::asText).containsExactly("1280x720", "1920x1080");
        assertThat(kling.get("aspectRatios")).extracting(JsonNode::asText).containsExactly("16:9");
        assertThat(kling.get("resolutions")).extracting(JsonNode::asText).containsExactly("720p", "1080p");
        assertThat(kling.get("seconds")).extracting(JsonNode::asInt).containsExactly(5, 10);
        assertThat(kling.get("imageInput").asBoolean()).isFalse();
        assertThat(kling.get("audio").asBoolean()).isTrue();
        assertThat(kling.get("pricePerSecondFrom").decimalValue()).isEqualByComparingTo("0.05");
        // the global list still describes the models of providers without their own capabilities
        assertThat(response.json().at("/data/models")).extracting(m -> m.get("id").asText()).contains("sora-2");
    }

    private String submit(String size, int seconds) {
        HttpApi.Response created = api.postJson("/api/video/tasks", token,
                "{\"prompt\":\"a fox\",\"model\":\"kling-x\",\"size\":\"" + size + "\",\"seconds\":" + seconds + "}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }

    private void awaitProvider(String videoId, String provider) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonNode view = api.get("/api/video/tasks/" + videoId, token).json().get("data");
            assertThat(view.get("status").asText()).isEqualTo("COMPLETED");
            assertThat(view.get("provider").asText()).isEqualTo(provider);
        });
    }

    private String routeRow(String videoId) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.queryForList(
                "select response_summary from upstream_call where video_id = ? and operation = 'route'", String.class,
                videoId)).isNotEmpty());
        List<String> rows = jdbc.queryForList("select response_summary from upstream_call where video_id = ? "
                + "and operation = 'route' order by id", String.class, videoId);
        return rows.get(0);
    }
}
