package dev.reelay.infra.webhook;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.RestartableNode;
import dev.reelay.infra.support.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.reelay.infra.support.RestartableNode.port;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The node that queued a task's webhooks stops while the first delivery waits for its retry; a new node on the same
 * database sends everything, each event accepted once. The queue and the feed's position are both in PostgreSQL.
 */
class WebhookRestartTest {

    @TempDir
    Path dataDir;

    private ConfigurableApplicationContext start(String[] db) {
        return RestartableNode.start(db, dataDir, "--reelay.sandbox.job-duration=2s",
                "--reelay.outbound.allowed-local-hosts=127.0.0.1", "--reelay.webhooks.retry-schedule=3s,1s,1s,1s",
                "--reelay.webhooks.jitter=0", "--reelay.webhooks.poll-interval=100ms");
    }

    @Test
    void aRestartWhileADeliveryWaitsForItsRetryLosesNothingAndRepeatsNothing() throws Exception {
        String[] db = TestDatabase.newDatabase();
        JdbcTemplate jdbc = new JdbcTemplate(DataSourceBuilder.create().url(db[0]).username(db[1]).password(db[2]).build());
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            receiver.answers = n -> new WebhookReceiver.Answer(503, null, "down for maintenance");
            String videoId;
            try (ConfigurableApplicationContext first = start(db)) {
                HttpApi api = new HttpApi(port(first));
                String token = api.token("restarter");
                HttpApi.Response endpoint = api.postJson("/api/webhooks/endpoints", token, "{\"url\":\"" + receiver.url()
                        + "\",\"events\":[\"video.queued\",\"video.processing\",\"video.completed\"]}");
                assertThat(endpoint.status()).isEqualTo(201);
                receiver.verifyWith(endpoint.json().at("/data/secret").asText());
                videoId = api.postJson("/api/video/tasks", token, "{\"prompt\":\"outlives its node\",\"model\":\"sora-2\"}")
                        .json().at("/data/videoId").asText();
                // the first attempt failed; the message now waits 3 s for its retry (on a slow machine, perhaps a
                // later one: every attempt fails while the receiver answers 503). By then the task's next message may
                // have failed its first attempt too: at least one waiting, not exactly one
                await().atMost(Duration.ofSeconds(20)).until(() -> !receiver.arrivals().isEmpty());
                await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.queryForObject(
                        "select count(*) from webhook_delivery where status = 'PENDING' and attempts >= 1 and lease_until is null",
                        Integer.class) >= 1);
            }
            assertThat(receiver.accepted()).isEmpty();
            receiver.answers = n -> WebhookReceiver.Answer.ok();
            try (ConfigurableApplicationContext second = start(db)) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(receiver.accepted().stream()
                        .filter(a -> a.videoId().equals(videoId)).map(WebhookReceiver.Arrival::type).toList())
                        .isEqualTo(List.of("video.queued", "video.processing", "video.completed")));
            }
            assertThat(receiver.accepted().stream().map(WebhookReceiver.Arrival::webhookId).distinct()).hasSize(3);
            assertThat(jdbc.queryForObject("select count(*) from webhook_delivery where status = 'DELIVERED'", Integer.class))
                    .isEqualTo(3);
        }
    }
}
