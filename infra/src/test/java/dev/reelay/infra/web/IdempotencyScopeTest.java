package dev.reelay.infra.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An {@code Idempotency-Key} belongs to a route family: the same key on {@code /api/video/tasks} and on
 * {@code /v1/videos} never replays one route's shape on the other, in either order; within a family it replays.
 */
@ReelayIntegrationTest
class IdempotencyScopeTest {

    static final String BODY = "{\"prompt\":\"one key, two doors\",\"model\":\"sora-2\",\"seconds\":4}";

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aKeyUsedOnTheSeedRouteThenOnTheOpenAiRouteAnswersEachInItsOwnShape() {
        HttpApi api = new HttpApi(port);
        String token = api.token("idem-seed-first");
        Map<String, String> key = Map.of("Idempotency-Key", "k-" + UUID.randomUUID());

        HttpApi.Response seed = api.postJson("/api/video/tasks", token, BODY, key);
        assertThat(seed.status()).as(seed.body()).isEqualTo(201);
        assertSeedShape(seed.json());

        HttpApi.Response openAi = api.postJson("/v1/videos", token, BODY, key);
        assertThat(openAi.status()).as(openAi.body()).isEqualTo(200);
        assertOpenAiShape(openAi.json());
        assertThat(openAi.header("Idempotent-Replayed")).isNull();

        // each family still replays its own first answer
        HttpApi.Response seedAgain = api.postJson("/api/video/tasks", token, BODY, key);
        assertThat(seedAgain.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(seedAgain.json().at("/data/videoId").asText()).isEqualTo(seed.json().at("/data/videoId").asText());
        HttpApi.Response openAiAgain = api.postJson("/v1/videos", token, BODY, key);
        assertThat(openAiAgain.header("Idempotent-Replayed")).isEqualTo("true");
        assertOpenAiShape(openAiAgain.json());
        assertThat(openAiAgain.json().get("id").asText()).isEqualTo(openAi.json().get("id").asText());
    }

    @Test
    void aKeyUsedOnTheOpenAiRouteThenOnTheSeedRouteAnswersEachInItsOwnShape() {
        HttpApi api = new HttpApi(port);
        String token = api.token("idem-openai-first");
        Map<String, String> key = Map.of("Idempotency-Key", "k-" + UUID.randomUUID());

        HttpApi.Response openAi = api.postJson("/v1/videos", token, BODY, key);
        assertThat(openAi.status()).as(openAi.body()).isEqualTo(200);
        assertOpenAiShape(openAi.json());

        HttpApi.Response seed = api.postJson("/api/video/tasks", token, BODY, key);
        assertThat(seed.status()).as(seed.body()).isEqualTo(201);
        assertSeedShape(seed.json());
        assertThat(seed.header("Idempotent-Replayed")).isNull();

        HttpApi.Response openAiAgain = api.postJson("/v1/videos", token, BODY, key);
        assertThat(openAiAgain.header("Idempotent-Replayed")).isEqualTo("true");
        assertOpenAiShape(openAiAgain.json());
    }

    @Test
    void aRefusedRemixAnswersInEachRoutesShapeAndLeavesTheKeyUnused() {
        HttpApi api = new HttpApi(port);
        String token = api.token("idem-remix");
        HttpApi.Response source = api.postJson("/api/video/tasks", token, BODY);
        String sourceId = source.json().at("/data/videoId").asText();
        Map<String, String> key = Map.of("Idempotency-Key", "k-" + UUID.randomUUID());
        String remix = "{\"prompt\":\"now at night\"}";

        // the source is not completed: both routes refuse in their own shape, and neither error is stored
        HttpApi.Response seed = api.postJson("/api/video/tasks/" + sourceId + "/remix", token, remix, key);
        HttpApi.Response openAi = api.postJson("/v1/videos/" + sourceId + "/remix", token, remix, key);
        assertThat(seed.status()).isEqualTo(409);
        assertThat(seed.contentType()).startsWith("application/problem+json");
        assertThat(openAi.status()).isEqualTo(409);
        assertThat(openAi.json().at("/error/code").asText()).isNotBlank();
        assertThat(jdbc.queryForObject("select count(*) from idempotency_key where owner = 'idem-remix' and idem_key = ?",
                Integer.class, key.get("Idempotency-Key"))).isZero();
    }

    private static void assertSeedShape(JsonNode body) {
        assertThat(body.get("success").asBoolean()).as(body.toString()).isTrue();
        assertThat(body.at("/data/videoId").asText()).isNotBlank();
        assertThat(body.has("object")).isFalse();
    }

    private static void assertOpenAiShape(JsonNode body) {
        assertThat(body.get("object").asText()).as(body.toString()).isEqualTo("video");
        assertThat(body.get("id").asText()).isNotBlank();
        assertThat(body.has("success")).isFalse();
    }
}
