package dev.reelay.infra.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.kernel.command.RecordProgress;
import dev.reelay.kernel.event.ProgressUpdated;
import dev.reelay.kernel.event.TaskCompleted;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.event.UpstreamTaskAccepted;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Client webhooks over real sockets: Reelay's API on one side, a client's receiver (JDK HttpServer, checking every
 * signature with the official Standard Webhooks library) on the other. The retry schedule is short and without
 * jitter here, so retries happen in test time without a sleep.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.outbound.allowed-local-hosts=127.0.0.1",
        "reelay.webhooks.retry-schedule=100ms,200ms,300ms,400ms,500ms,600ms", "reelay.webhooks.jitter=0",
        "reelay.webhooks.poll-interval=50ms", "reelay.webhooks.disable-after-failures=6",
        "reelay.webhooks.read-timeout=" + ClientWebhooksTest.READ_TIMEOUT_MS + "ms", "reelay.sandbox.job-duration=2s"})
class ClientWebhooksTest {

    /** Above any answer the receiver gives on a busy machine, so that only the stalled receiver is cut off. */
    static final long READ_TIMEOUT_MS = 3_000;
    private static final List<String> LIFECYCLE = List.of("video.queued", "video.processing", "video.completed");

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CommandGateway commands;
    @Autowired
    EventStore eventStore;
    @Autowired
    TransactionTemplate transactions;

    HttpApi api;
    WebhookReceiver receiver;

    @BeforeEach
    void start() throws Exception {
        api = new HttpApi(port);
        receiver = new WebhookReceiver();
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    /** An endpoint of {@code token}'s user at this test's receiver, whose signatures the receiver then checks. */
    private JsonNode subscribeReceiver(String token, String... events) {
        JsonNode endpoint = createEndpoint(token, receiver.url(), events);
        receiver.verifyWith(endpoint.get("secret").asText());
        return endpoint;
    }

    private JsonNode createEndpoint(String token, String url, String... events) {
        HttpApi.Response created = api.postJson("/api/webhooks/endpoints", token, "{\"url\":\"" + url + "\",\"events\":[\""
                + String.join("\",\"", events) + "\"],\"description\":\"test receiver\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().get("data");
    }

    private String submit(String token, String prompt) {
        HttpApi.Response created = api.postJson("/api/video/tasks", token, "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }

    private static EventMessage<?> event(VideoId videoId, long sequence, Object payload) {
        return new GenericDomainEventMessage<>("VideoTask", videoId.value(), sequence, payload);
    }

    private void publish(EventMessage<?>... events) {
        transactions.executeWithoutResult(tx -> eventStore.publish(List.of(events)));
    }

    private int copies(VideoId videoId) {
        return jdbc.queryForObject("select count(*) from webhook_task where video_id = ?", Integer.class, videoId.value());
    }

    /** The position the webhook feed has passed, as the cluster view reports each processor's. */
    private long feedPosition(String adminToken) {
        for (JsonNode processor : api.get("/api/admin/cluster", adminToken).json().at("/data/processors")) {
            if (processor.get("name").asText().equals(WebhookFeed.GROUP)) {
                return processor.get("position").asLong();
            }
        }
        return -1;
    }

    private List<String> acceptedTypes(String videoId) {
        return receiver.accepted().stream().filter(a -> a.videoId().equals(videoId)).map(WebhookReceiver.Arrival::type).toList();
    }

    @Nested
    class Delivery {

        @Test
        void aTasksEventsArriveInOrderSignedSoTheStandardWebhooksLibraryVerifiesThem() {
            String token = api.token("whalice");
            JsonNode endpoint = subscribeReceiver(token, "video.queued", "video.processing", "video.completed",
                    "video.failed");
            String videoId = submit(token, "a signed fox");

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(acceptedTypes(videoId)).isEqualTo(LIFECYCLE));
            assertThat(receiver.arrivals()).allMatch(WebhookReceiver.Arrival::verified);
            JsonNode completed = receiver.accepted().get(2).body();
            assertThat(completed.get("object").asText()).isEqualTo("event");
            assertThat(completed.get("id").asText()).startsWith("evt_");
            assertThat(completed.get("created_at").isIntegralNumber()).isTrue();
            assertThat(completed.at("/data/id").asText()).isEqualTo(videoId);
            assertThat(completed.at("/data/videoId").asText()).isEqualTo(videoId);
            assertThat(completed.at("/data/status").asText()).isEqualTo("COMPLETED");
            assertThat(completed.at("/data/progress").asInt()).isEqualTo(100);
            assertThat(completed.at("/data/prompt").asText()).isEqualTo("a signed fox");
            assertThat(completed.at("/data/model").asText()).isEqualTo("sora-2");
            assertThat(completed.at("/data/externalTaskId").asText()).isNotBlank();
            // video.progress is opt-in: this endpoint did not ask for it
            assertThat(receiver.arrivals()).noneMatch(a -> a.type().equals("video.progress"));
        }

        @Test
        void aReceiverThatFailsThreeTimesThenRecoversGetsEveryEventExactlyOnceEachWithADistinctWebhookId() {
            String token = api.token("whbob");
            JsonNode endpoint = subscribeReceiver(token, "video.queued", "video.processing", "video.completed");
            receiver.answers = n -> n <= 3 ? new WebhookReceiver.Answer(500, null, "x".repeat(3000)) : WebhookReceiver.Answer.ok();
            String first = submit(token, "first of two");
            String second = submit(token, "second of two");

            await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
                assertThat(acceptedTypes(first)).isEqualTo(LIFECYCLE);
                assertThat(acceptedTypes(second)).isEqualTo(LIFECYCLE);
            });
            List<WebhookReceiver.Arrival> accepted = receiver.accepted();
            assertThat(accepted).hasSize(6);
            assertThat(accepted.stream().map(WebhookReceiver.Arrival::eventId).distinct()).hasSize(6);
            assertThat(accepted.stream().map(WebhookReceiver.Arrival::webhookId).distinct()).hasSize(6);
            assertThat(receiver.arrivals().stream().filter(a -> a.answered() == 500)).hasSize(3);

            String delivered = "/api/webhooks/deliveries?endpoint=" + endpoint.get("id").asText() + "&status=delivered";
            // the receiver logs a message before Reelay hears its answer
            await().atMost(Duration.ofSeconds(10)).until(() -> api.get(delivered, token).json().get("data").size() == 6);
            JsonNode log = api.get(delivered, token).json().get("data");
            List<JsonNode> attempts = new java.util.ArrayList<>();
            log.forEach(d -> d.get("log").forEach(attempts::add));
            assertThat(attempts).hasSize(9);
            JsonNode failedAttempt = attempts.stream().filter(a -> a.get("statusCode").asInt() == 500).findFirst().orElseThrow();
            assertThat(failedAttempt.get("response").asText()).hasSize(1024);
            assertThat(failedAttempt.get("latencyMs").isIntegralNumber()).isTrue();
            assertThat(failedAttempt.get("attemptedAt").asText()).isNotBlank();
            assertThat(api.get("/api/webhooks/endpoints/" + endpoint.get("id").asText(), token).json()
                    .at("/data/consecutiveFailures").asInt()).isZero();
        }

        @Test
        void anotherUsersEndpointNeverReceivesYourEvents() throws Exception {
            String carol = api.token("whcarol");
            String dave = api.token("whdave");
            try (WebhookReceiver daves = new WebhookReceiver()) {
                createEndpoint(dave, daves.url(), "video.queued", "video.processing", "video.progress", "video.completed",
                        "video.failed", "video.cancelled", "video.expired");
                subscribeReceiver(carol, "video.queued", "video.processing", "video.completed");
                String videoId = submit(carol, "carol's own");

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(acceptedTypes(videoId)).isEqualTo(LIFECYCLE));
                assertThat(daves.arrivals()).isEmpty();
                assertThat(api.get("/api/webhooks/deliveries", dave).json().get("data")).isEmpty();
            }
        }

        @Test
        void progressGoesOnlyToTheEndpointsThatOptedIn() throws Exception {
            String token = api.token("whopt");
            try (WebhookReceiver quiet = new WebhookReceiver()) {
                subscribeReceiver(token, "video.progress", "video.completed");
                quiet.verifyWith(createEndpoint(token, quiet.url(), "video.queued", "video.processing", "video.completed")
                        .get("secret").asText());
                String videoId = submit(token, "tell me everything");
                // what a poll records when the provider reports 42 %
                commands.sendAndWait(new RecordProgress(new VideoId(videoId), 42, "in_progress", Instant.now(), null));

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(acceptedTypes(videoId)).containsExactly("video.progress", "video.completed");
                    assertThat(quiet.accepted().stream().map(WebhookReceiver.Arrival::type).toList()).isEqualTo(LIFECYCLE);
                });
                JsonNode progress = receiver.accepted().get(0).body();
                assertThat(progress.at("/data/progress").asInt()).isEqualTo(42);
                assertThat(progress.at("/data/status").asText()).isEqualTo("PROCESSING");
            }
        }

        @Test
        void aCancelledTaskIsAnnouncedWithItsErrorCodeAndNothingItsEndpointDidNotAskFor() {
            String token = api.token("whpat");
            subscribeReceiver(token, "video.queued", "video.cancelled");
            String videoId = submit(token, "never mind");
            assertThat(api.postJson("/api/video/tasks/" + videoId + "/cancel", token, "{\"reason\":\"changed my mind\"}")
                    .status()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(acceptedTypes(videoId)).containsExactly("video.queued", "video.cancelled"));
            JsonNode cancelled = receiver.accepted().get(1).body();
            assertThat(cancelled.at("/data/status").asText()).isEqualTo("CANCELLED");
            assertThat(cancelled.at("/data/error/code").asText()).isEqualTo("CANCELLED");
            assertThat(cancelled.at("/data/error/message").asText()).isEqualTo("changed my mind");
        }

        @Test
        void aRetryAfterAnswerPostponesTheNextAttemptBeyondTheSchedule() {
            String token = api.token("wherin");
            subscribeReceiver(token, "video.queued");
            receiver.answers = n -> n == 1 ? new WebhookReceiver.Answer(429, "2", "slow down") : WebhookReceiver.Answer.ok();
            String videoId = submit(token, "patience");

            await().atMost(Duration.ofSeconds(20)).until(() -> acceptedTypes(videoId).contains("video.queued"));
            List<WebhookReceiver.Arrival> arrivals = receiver.arrivals();
            assertThat(arrivals).hasSize(2);
            assertThat(arrivals.get(0).webhookId()).isEqualTo(arrivals.get(1).webhookId());
            // the schedule alone would have retried after 100 ms
            assertThat(Duration.between(arrivals.get(0).at(), arrivals.get(1).at())).isGreaterThan(Duration.ofMillis(1900));
        }

        @Test
        void aReceiverThatSendsItsHeadersAndThenNothingIsCutOffAtTheReadTimeoutAndTriedAgain() {
            String token = api.token("whquinn");
            subscribeReceiver(token, "video.queued");
            receiver.answers = n -> n == 1 ? WebhookReceiver.Answer.stalled() : WebhookReceiver.Answer.ok();
            String videoId = submit(token, "a trickle");

            await().atMost(Duration.ofSeconds(20)).until(() -> "DELIVERED".equals(
                    api.get("/api/webhooks/deliveries", token).json().at("/data/0/status").asText()));
            assertThat(acceptedTypes(videoId)).hasSize(1);
            assertThat(receiver.arrivals()).hasSize(2);
            JsonNode log = api.get("/api/webhooks/deliveries", token).json().at("/data/0");
            JsonNode cutOff = log.get("log").get(1);
            assertThat(cutOff.get("error").asText()).contains("no complete answer within");
            assertThat(cutOff.get("latencyMs").asLong()).isBetween(READ_TIMEOUT_MS - 100, READ_TIMEOUT_MS + 5_000);
        }

        @Test
        void anEndpointThatKeepsFailingIsDisabledAfterTheConfiguredRunAndShowsItInItsStatus() {
            String token = api.token("whfrank");
            JsonNode endpoint = subscribeReceiver(token, "video.queued", "video.processing", "video.completed");
            receiver.answers = n -> new WebhookReceiver.Answer(503, null, "down");
            submit(token, "nobody listens");
            String id = endpoint.get("id").asText();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode view = api.get("/api/webhooks/endpoints/" + id, token).json().get("data");
                assertThat(view.get("status").asText()).isEqualTo("DISABLED_FAILING");
                assertThat(view.get("enabled").asBoolean()).isFalse();
                assertThat(view.get("consecutiveFailures").asInt()).isEqualTo(6);
            });
            int sent = receiver.arrivals().size();
            assertThat(sent).isEqualTo(6);

            // enabled again, the held messages go out
            receiver.answers = n -> WebhookReceiver.Answer.ok();
            HttpApi.Response enabled = api.send("PATCH", "/api/webhooks/endpoints/" + id, token, "application/json",
                    "{\"enabled\":true}".getBytes(StandardCharsets.UTF_8), Map.of());
            assertThat(enabled.json().at("/data/status").asText()).isEqualTo("ACTIVE");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(receiver.accepted()).hasSizeGreaterThanOrEqualTo(1));
        }

        @Test
        void aDeliveryCanBeSentAgainWithItsWebhookId() {
            String token = api.token("whgina");
            JsonNode endpoint = subscribeReceiver(token, "video.queued");
            String videoId = submit(token, "say it twice");
            await().atMost(Duration.ofSeconds(20)).until(() -> acceptedTypes(videoId).size() == 1);
            String deliveryId = api.get("/api/webhooks/deliveries", token).json().at("/data/0/id").asText();

            HttpApi.Response again = api.postJson("/api/webhooks/deliveries/" + deliveryId + "/redeliver", token, "");
            assertThat(again.status()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(20)).until(() -> acceptedTypes(videoId).size() == 2);
            assertThat(receiver.accepted().get(1).webhookId()).isEqualTo(deliveryId);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    api.get("/api/webhooks/deliveries", token).json().at("/data/0/log").size() == 2);
            assertThat(api.postJson("/api/webhooks/deliveries/" + deliveryId + "/redeliver", api.token("whhank"), "").status())
                    .isEqualTo(404);
        }

        /**
         * The feed reads and writes its copy of a task once per processor batch: a task's whole life in one transaction
         * (so in one batch) must still give each delivery the task as of its own event, in order, and leave the copy at
         * the last one. A second owner without an endpoint gets a copy and no delivery. The model is one no provider
         * serves, and the task is already completed when the saga sees it, so nothing else is appended.
         */
        @Test
        void eventsOfOneTaskInOneBatchEachCarryTheTaskAsOfTheirOwnEvent() {
            String token = api.token("whbatch");
            subscribeReceiver(token, "video.queued", "video.processing", "video.progress", "video.completed");
            VideoId videoId = VideoId.random();
            VideoId unheard = VideoId.random();
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            TaskSpec spec = new TaskSpec("a batched fox", "no-such-model", "720x1280", 4, MediaType.VIDEO, null);
            transactions.executeWithoutResult(tx -> eventStore.publish(List.of(
                    event(videoId, 0, new TaskSubmitted(videoId, "whbatch", spec, null, t0)),
                    event(unheard, 0, new TaskSubmitted(unheard, "whnobody", spec, null, t0)),
                    event(videoId, 1, new UpstreamTaskAccepted(videoId, "sandbox", "ext-batched", t0.plusMillis(1))),
                    event(videoId, 2, new ProgressUpdated(videoId, 40, "in_progress", t0.plusMillis(2), null)),
                    event(unheard, 1, new UpstreamTaskAccepted(unheard, "sandbox", "ext-unheard", t0.plusMillis(2))),
                    event(videoId, 3, new ProgressUpdated(videoId, 70, "in_progress", t0.plusMillis(3), null)),
                    event(videoId, 4, new TaskCompleted(videoId, null, null, 4, "720x1280", t0.plusMillis(4))),
                    event(unheard, 2, new TaskCompleted(unheard, null, null, 4, "720x1280", t0.plusMillis(4))))));

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(acceptedTypes(videoId.value()))
                    .containsExactly("video.queued", "video.processing", "video.progress", "video.progress", "video.completed"));
            List<JsonNode> data = receiver.accepted().stream().filter(a -> a.videoId().equals(videoId.value()))
                    .map(a -> a.body().get("data")).toList();
            assertThat(data).extracting(d -> d.get("status").asText() + "@" + d.get("progress").asInt())
                    .containsExactly("QUEUED@0", "PROCESSING@0", "PROCESSING@40", "PROCESSING@70", "COMPLETED@100");
            assertThat(data).extracting(d -> d.get("externalTaskId").asText(null))
                    .containsExactly(null, "ext-batched", "ext-batched", "ext-batched", "ext-batched");
            assertThat(data.get(4).get("updatedAt").asText()).isEqualTo(t0.plusMillis(4).toString());

            assertThat(jdbc.queryForObject("select data from webhook_task where video_id = ?", String.class,
                    videoId.value())).contains("\"status\":\"COMPLETED\"");
            assertThat(jdbc.queryForObject("select owner || ' ' || data from webhook_task where video_id = ?", String.class,
                    unheard.value())).startsWith("whnobody ").contains("\"status\":\"COMPLETED\"", "ext-unheard");
            assertThat(jdbc.queryForObject("select count(*) from webhook_delivery where video_id = ?", Integer.class,
                    unheard.value())).isZero();
        }

        /**
         * Without any endpoint the feed keeps no copies, and deletes those left from a time with endpoints (they would
         * miss what happens meanwhile). A task begun then, whose owner subscribes later, is rebuilt from its own events:
         * its deliveries carry what it was told while nobody listened (the provider's job id) and each its own state.
         */
        @Test
        void withoutAnyEndpointNoCopyIsKeptAndATaskBegunThenIsDeliveredAsOfItsEventsOnceItsOwnerSubscribes() {
            createEndpoint(api.token("whgone"), receiver.url(), "video.completed"); // deleted before it hears anything
            VideoId kept = VideoId.random();
            VideoId late = VideoId.random();
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            TaskSpec spec = new TaskSpec("a fox nobody watched", "no-such-model", "720x1280", 4, MediaType.VIDEO, null);
            publish(event(kept, 0, new TaskSubmitted(kept, "whgone", spec, null, t0)));
            await().atMost(Duration.ofSeconds(30)).until(() -> copies(kept) == 1);

            jdbc.update("delete from webhook_endpoint"); // every user's: the feed now has nobody to tell
            publish(event(kept, 1, new UpstreamTaskAccepted(kept, "sandbox", "ext-kept", t0.plusMillis(1))),
                    event(late, 0, new TaskSubmitted(late, "whlate", spec, null, t0)),
                    event(late, 1, new UpstreamTaskAccepted(late, "sandbox", "ext-late", t0.plusMillis(1))));
            long lastIndex = jdbc.queryForObject("select max(global_index) from domain_event_entry where aggregate_identifier = ?",
                    Long.class, late.value());
            String admin = api.token("whadmin", "admin");
            await().atMost(Duration.ofSeconds(30)).until(() -> feedPosition(admin) >= lastIndex);
            assertThat(jdbc.queryForObject("select count(*) from webhook_task", Integer.class)).isZero();

            subscribeReceiver(api.token("whlate"), "video.progress", "video.completed");
            publish(event(late, 2, new ProgressUpdated(late, 40, "in_progress", t0.plusMillis(2), null)),
                    event(late, 3, new TaskCompleted(late, null, null, 4, "720x1280", t0.plusMillis(3))));

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(acceptedTypes(late.value()))
                    .containsExactly("video.progress", "video.completed"));
            List<JsonNode> data = receiver.accepted().stream().filter(a -> a.videoId().equals(late.value()))
                    .map(a -> a.body().get("data")).toList();
            assertThat(data).extracting(d -> d.get("status").asText() + "@" + d.get("progress").asInt() + " "
                    + d.get("externalTaskId").asText(null) + " " + d.get("prompt").asText() + " " + d.get("createdAt").asText())
                    .containsExactly("PROCESSING@40 ext-late a fox nobody watched " + t0,
                            "COMPLETED@100 ext-late a fox nobody watched " + t0);
            assertThat(jdbc.queryForObject("select owner || ' ' || data from webhook_task where video_id = ?", String.class,
                    late.value())).startsWith("whlate ").contains("\"status\":\"COMPLETED\"");
            assertThat(acceptedTypes(kept.value())).isEmpty();
        }
    }

    @Nested
    class Secrets {

        @Test
        void afterARotationEachDeliveryIsSignedWithTheNewAndThePreviousSecret() {
            String token = api.token("whivan");
            JsonNode endpoint = createEndpoint(token, receiver.url(), "video.queued");
            String id = endpoint.get("id").asText();
            HttpApi.Response rotated = api.postJson("/api/webhooks/endpoints/" + id + "/secret", token, "");
            assertThat(rotated.status()).isEqualTo(200);
            String newSecret = rotated.json().at("/data/secret").asText();
            assertThat(newSecret).startsWith("whsec_").isNotEqualTo(endpoint.get("secret").asText());
            assertThat(rotated.json().at("/data/endpoint/previousSecretValidUntil").asText()).isNotBlank();
            // the receiver checks the delivery with each secret on its own
            receiver.verifyWith(endpoint.get("secret").asText());
            receiver.verifyWith(newSecret);
            String videoId = submit(token, "two keys");

            await().atMost(Duration.ofSeconds(20)).until(() -> acceptedTypes(videoId).size() == 1);
            assertThat(receiver.accepted().get(0).signature().split(" ")).hasSize(2);
        }

        @Test
        void aSecretIsShownOnceAndStoredSealed() {
            String token = api.token("whjane");
            JsonNode endpoint = createEndpoint(token, receiver.url(), "video.queued");
            String secret = endpoint.get("secret").asText();
            String id = endpoint.get("id").asText();
            assertThat(secret).startsWith("whsec_");
            assertThat(new Webhook(secret)).isNotNull(); // the library accepts the form

            assertThat(api.get("/api/webhooks/endpoints/" + id, token).body()).doesNotContain(secret).doesNotContain("secret\"");
            assertThat(api.get("/api/webhooks/endpoints", token).body()).doesNotContain(secret);
            byte[] stored = jdbc.queryForObject("select secret from webhook_endpoint where id = ?", byte[].class, id);
            assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(secret.substring(6, 20));
        }
    }

    @Nested
    class Endpoints {

        @Test
        void anEndpointOnAnInternalAddressIsRefusedNamingTheUrl() {
            String token = api.token("whkim");
            HttpApi.Response refused = api.postJson("/api/webhooks/endpoints", token,
                    "{\"url\":\"http://169.254.169.254/latest/meta-data\",\"events\":[\"video.completed\"]}");
            assertThat(refused.status()).isEqualTo(422);
            assertThat(refused.json().at("/errors/0/field").asText()).isEqualTo("url");
            assertThat(refused.json().at("/errors/0/code").asText()).isEqualTo("URL_NOT_ALLOWED");
            assertThat(api.postJson("/api/webhooks/endpoints", token,
                    "{\"url\":\"file:///etc/passwd\",\"events\":[\"video.completed\"]}").status()).isEqualTo(422);
        }

        @Test
        void anUnknownEventTypeIsRefusedNamingItsPlace() {
            HttpApi.Response refused = api.postJson("/api/webhooks/endpoints", api.token("whlee"),
                    "{\"url\":\"" + receiver.url() + "\",\"events\":[\"video.completed\",\"video.exploded\"]}");
            assertThat(refused.status()).isEqualTo(422);
            assertThat(refused.json().at("/errors/0/field").asText()).isEqualTo("events[1]");
            assertThat(refused.json().at("/errors/0/code").asText()).isEqualTo("UNKNOWN_EVENT");
        }

        @Test
        void endpointsArePerUserAndAnAdminSeesThemAll() {
            String mia = api.token("whmia");
            String ned = api.token("whned");
            String admin = api.token("whroot", "admin");
            String mias = createEndpoint(mia, receiver.url(), "video.completed").get("id").asText();
            String neds = createEndpoint(ned, receiver.url(), "video.completed").get("id").asText();

            assertThat(api.get("/api/webhooks/endpoints", mia).json().findValuesAsText("id")).containsExactly(mias);
            assertThat(api.get("/api/webhooks/endpoints/" + neds, mia).status()).isEqualTo(404);
            assertThat(api.get("/api/webhooks/endpoints/" + neds, mia).json().get("code").asText())
                    .isEqualTo("WEBHOOK_ENDPOINT_NOT_FOUND");
            assertThat(api.delete("/api/webhooks/endpoints/" + neds, mia).status()).isEqualTo(404);
            assertThat(api.get("/api/webhooks/endpoints", admin).json().findValuesAsText("id")).contains(mias, neds);

            HttpApi.Response disabled = api.send("PATCH", "/api/webhooks/endpoints/" + mias, mia, "application/json",
                    "{\"enabled\":false}".getBytes(StandardCharsets.UTF_8), Map.of());
            assertThat(disabled.json().at("/data/status").asText()).isEqualTo("DISABLED");
            assertThat(api.delete("/api/webhooks/endpoints/" + mias, mia).status()).isEqualTo(204);
            assertThat(api.get("/api/webhooks/endpoints/" + mias, mia).status()).isEqualTo(404);
        }

        @Test
        void theRoutesArePublishedInTheOpenApiDocument() throws Exception {
            // the first rendering of the whole document can take long on a busy machine: more time than HttpApi gives
            HttpResponse<String> docs = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/v3/api-docs")).timeout(Duration.ofMinutes(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(docs.statusCode()).isEqualTo(200);
            JsonNode paths = new ObjectMapper().readTree(docs.body()).get("paths");
            assertThat(paths.has("/api/webhooks/endpoints")).isTrue();
            assertThat(paths.has("/api/webhooks/endpoints/{id}")).isTrue();
            assertThat(paths.has("/api/webhooks/endpoints/{id}/secret")).isTrue();
            assertThat(paths.has("/api/webhooks/deliveries")).isTrue();
            assertThat(paths.has("/api/webhooks/deliveries/{id}/redeliver")).isTrue();
        }

        @Test
        void aDeliveryLogFilterThatIsNotAStatusIsRefused() {
            HttpApi.Response refused = api.get("/api/webhooks/deliveries?status=lost", api.token("whola"));
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.json().at("/errors/0/field").asText()).isEqualTo("status");
        }
    }
}
