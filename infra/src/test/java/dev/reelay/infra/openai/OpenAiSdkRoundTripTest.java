package dev.reelay.infra.openai;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.errors.UnprocessableEntityException;
import com.openai.models.videos.Video;
import com.openai.models.videos.VideoCreateParams;
import com.openai.models.videos.VideoListParams;
import com.openai.models.videos.VideoRemixParams;
import com.openai.models.videos.VideoSeconds;
import com.openai.models.videos.VideoSize;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The official openai-java SDK, unchanged, against Reelay's /v1/videos and the sandbox provider. */
@ReelayIntegrationTest
class OpenAiSdkRoundTripTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    private OpenAIClient client(String apiKey) {
        return OpenAIOkHttpClient.builder().apiKey(apiKey).baseUrl("http://localhost:" + port + "/v1")
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void createRetrieveDownloadRemixListDelete() throws IOException {
        HttpApi api = new HttpApi(port);
        OpenAIClient openai = client(api.token("sdk-user"));

        Video created = openai.videos().create(VideoCreateParams.builder()
                .prompt("a paper boat on a stream").model("sora-2")
                .seconds(VideoSeconds._4).size(VideoSize._720X1280).build());
        assertThat(created.id()).startsWith("video_");
        assertThat(created.status()).isEqualTo(Video.Status.QUEUED);
        // read-your-writes (ADR 0009): the SDK's retrieve straight after its create finds the video
        assertThat(openai.videos().retrieve(created.id()).id()).isEqualTo(created.id());

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() ->
                openai.videos().retrieve(created.id()).status().equals(Video.Status.COMPLETED));
        Video done = openai.videos().retrieve(created.id());
        assertThat(done.progress()).isEqualTo(100);
        assertThat(done.seconds()).isEqualTo(VideoSeconds._4);

        byte[] expected;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("sandbox/video.mp4")) {
            expected = in.readAllBytes();
        }
        try (HttpResponse content = openai.videos().downloadContent(created.id())) {
            assertThat(content.body().readAllBytes()).isEqualTo(expected);
        }

        Video remix = openai.videos().remix(created.id(), VideoRemixParams.builder().prompt("now at night").build());
        assertThat(remix.remixedFromVideoId()).contains(created.id());
        assertThat(remix.id()).isNotEqualTo(created.id());
        assertThat(openai.videos().retrieve(remix.id()).remixedFromVideoId()).contains(created.id());

        assertThat(openai.videos().list().data()).hasSize(2);
        List<Video> page = openai.videos().list(VideoListParams.builder().limit(1L).build()).data();
        assertThat(page).hasSize(1);
        assertThat(page.get(0).id()).isEqualTo(remix.id());

        assertThat(openai.videos().delete(created.id()).deleted()).isTrue();
        // the next reads already reflect the delete: no waiting on the read side
        assertThatThrownBy(() -> openai.videos().retrieve(created.id())).isInstanceOf(NotFoundException.class);
        assertThat(openai.videos().list().data()).hasSize(1);
        // the deleted task's history stays as the audit tombstone
        assertThat(jdbc.queryForList("select payload_type from domain_event_entry where aggregate_identifier = ? "
                + "order by sequence_number", String.class, created.id())).last().isEqualTo("dev.reelay.kernel.event.TaskExpired");
    }

    @Test
    void errorsArriveAsTheSdksTypedExceptions() {
        HttpApi api = new HttpApi(port);
        OpenAIClient openai = client(api.token("sdk-errors"));
        assertThatThrownBy(() -> openai.videos().create(VideoCreateParams.builder().prompt("x").model("no-such-model").build()))
                .isInstanceOf(UnprocessableEntityException.class).hasMessageContaining("model");
        assertThatThrownBy(() -> openai.videos().retrieve("video_00000000-0000-0000-0000-000000000000"))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> client("not-a-token").videos().list()).isInstanceOf(UnauthorizedException.class);
        // someone else's video is simply not there
        Video mine = openai.videos().create(VideoCreateParams.builder().prompt("mine").model("sora-2").build());
        assertThatThrownBy(() -> client(api.token("sdk-other")).videos().retrieve(mine.id())).isInstanceOf(NotFoundException.class);

        HttpApi.Response raw = api.get("/v1/videos/video_00000000-0000-0000-0000-000000000000", api.token("sdk-errors"));
        assertThat(raw.json().at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(raw.json().at("/error/code").asText()).isEqualTo("task_not_found");
        HttpApi.Response remoteImage = api.postJson("/v1/videos", api.token("sdk-errors"),
                "{\"prompt\":\"p\",\"model\":\"sora-2\",\"input_reference\":{\"image_url\":\"http://169.254.169.254/latest\"}}");
        assertThat(remoteImage.status()).isEqualTo(422);
        assertThat(remoteImage.json().at("/error/param").asText()).isEqualTo("input_reference");
    }
}
