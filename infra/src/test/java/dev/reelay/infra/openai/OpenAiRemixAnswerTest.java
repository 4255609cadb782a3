package dev.reelay.infra.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code POST /v1/videos/{id}/remix} answers the whole queued video object, like a create: the remix's model, size and
 * seconds (the source's, as the remix keeps them) are there at once, not only after a retrieve.
 */
@ReelayIntegrationTest
class OpenAiRemixAnswerTest {

    @LocalServerPort
    int port;

    HttpApi api;
    String token;
    String source;

    @BeforeEach
    void aCompletedSource() {
        api = new HttpApi(port);
        token = api.token("remix-answer-" + UUID.randomUUID());
        HttpApi.Response created = api.postJson("/v1/videos", token,
                "{\"prompt\":\"a lighthouse at dusk\",\"model\":\"sora-2\",\"size\":\"1280x720\",\"seconds\":\"8\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        source = created.json().get("id").asText();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                "completed".equals(api.get("/v1/videos/" + source, token).json().get("status").asText()));
    }

    @Test
    void aJsonRemixAnswersWithTheModelSizeAndSecondsItWillBeMadeWith() {
        HttpApi.Response remix = api.postJson("/v1/videos/" + source + "/remix", token, "{\"prompt\":\"now in fog\"}");

        assertThat(remix.status()).as(remix.body()).isEqualTo(200);
        assertQueuedRemix(remix.json(), "now in fog");
    }

    @Test
    void aMultipartRemixAsTheSdksSendItAnswersTheSameObject() {
        HttpApi.Response remix = api.postMultipart("/v1/videos/" + source + "/remix", token,
                Map.of("prompt", "now in snow"), null, null, null, null);

        assertThat(remix.status()).as(remix.body()).isEqualTo(200);
        assertQueuedRemix(remix.json(), "now in snow");
    }

    @Test
    void aReplayedRemixAnswersTheSameFullObject() {
        Map<String, String> key = Map.of("Idempotency-Key", "remix-" + UUID.randomUUID());
        HttpApi.Response first = api.postJson("/v1/videos/" + source + "/remix", token, "{\"prompt\":\"at night\"}", key);
        HttpApi.Response replay = api.postJson("/v1/videos/" + source + "/remix", token, "{\"prompt\":\"at night\"}", key);

        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.json()).isEqualTo(first.json());
        assertQueuedRemix(replay.json(), "at night");
    }

    private void assertQueuedRemix(JsonNode video, String prompt) {
        assertThat(video.get("object").asText()).isEqualTo("video");
        assertThat(video.get("id").asText()).startsWith("video_").isNotEqualTo(source);
        assertThat(video.get("status").asText()).isEqualTo("queued");
        assertThat(video.get("progress").asInt()).isZero();
        assertThat(video.get("created_at").isIntegralNumber()).isTrue();
        assertThat(video.get("prompt").asText()).isEqualTo(prompt);
        assertThat(video.get("model").asText()).isEqualTo("sora-2");
        assertThat(video.get("size").asText()).isEqualTo("1280x720");
        assertThat(video.get("seconds").asText()).isEqualTo("8");
        assertThat(video.get("remixed_from_video_id").asText()).isEqualTo(source);
    }
}
