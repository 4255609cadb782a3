package dev.reelay.infra.axon;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.kernel.command.RecordUpstreamAcceptance;
import dev.reelay.kernel.event.LateOutcomeRecorded;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.eventsourcing.eventstore.EventStore;
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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A task cancelled while its create call is still on the wire: the provider's late acceptance is recorded as a typed
 * {@link LateOutcomeRecorded}, reaches the upstream saga, and the job is deleted upstream. The same event stored in
 * revision 1 (before the typed fields) is read back through the upcaster, by the event store and by the aggregate.
 */
@ReelayIntegrationTest
class LateOutcomeEndToEndTest {

    static final String EVENT = "dev.reelay.kernel.event.";
    static final SlowProvider PROVIDER = new SlowProvider();

    @DynamicPropertySource
    static void provider(DynamicPropertyRegistry registry) {
        registry.add("reelay.sandbox.enabled", () -> "false");
        registry.add("reelay.content.archive-on-complete", () -> "false");
        String p = "reelay.providers[0].";
        registry.add(p + "id", () -> "late");
        registry.add(p + "format", () -> "openai-videos");
        registry.add(p + "base-url", () -> "http://127.0.0.1:" + PROVIDER.server.getPort() + "/v1");
        registry.add(p + "api-key", () -> "late-key");
        registry.add(p + "models[0]", () -> "sora-2");
        registry.add(p + "read-timeout", () -> "20s");
    }

    @AfterAll
    static void stop() throws IOException {
        PROVIDER.release();
        PROVIDER.server.shutdown();
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    EventStore eventStore;
    @Autowired
    CommandGateway commands;

    HttpApi api;
    String token;

    @BeforeEach
    void reset() {
        PROVIDER.reset();
        api = new HttpApi(port);
        token = api.token("late-alice");
    }

    @Test
    void anAcceptanceArrivingAfterTheCancelIsRecordedTypedAndItsJobIsDeletedUpstream() {
        String videoId = cancelledWhileTheCreateIsInFlight("vid_late_1");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(PROVIDER.deletes).containsExactly("/v1/videos/vid_late_1"));
        LateOutcomeRecorded late = lateOutcomeOf(videoId);
        assertThat(late.outcome()).isEqualTo(LateOutcomeRecorded.Outcome.UPSTREAM_ACCEPTED);
        assertThat(late.statusAtArrival()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(late.providerId()).isEqualTo("late");
        assertThat(late.externalTaskId()).isEqualTo("vid_late_1");
        assertThat(jdbc.queryForObject("select payload_revision from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type = ?", String.class, videoId, EVENT + "LateOutcomeRecorded")).isEqualTo("2");
        assertThat(api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText()).isEqualTo("CANCELLED");
    }

    @Test
    void aLateAcceptanceStoredInRevisionOneIsReadWithTypedFieldsByTheStoreAndTheAggregate() {
        String videoId = cancelledWhileTheCreateIsInFlight("vid_late_2");
        await().atMost(Duration.ofSeconds(20)).until(() -> !PROVIDER.deletes.isEmpty());
        // the row as VideoTask wrote it before the typed fields
        String revisionOne = "{\"videoId\":{\"value\":\"" + videoId + "\"},\"statusAtArrival\":\"CANCELLED\","
                + "\"outcome\":\"UPSTREAM_ACCEPTED\",\"detail\":\"late:vid_late_2\",\"observedAt\":\"2026-11-30T10:15:30Z\"}";
        int rewritten = jdbc.update("update domain_event_entry set payload = ?, payload_revision = '1' "
                        + "where aggregate_identifier = ? and payload_type = ?",
                revisionOne.getBytes(StandardCharsets.UTF_8), videoId, EVENT + "LateOutcomeRecorded");
        assertThat(rewritten).isEqualTo(1);

        LateOutcomeRecorded late = lateOutcomeOf(videoId);
        assertThat(late).isEqualTo(LateOutcomeRecorded.upstreamAccepted(new VideoId(videoId), TaskStatus.CANCELLED,
                "late", "vid_late_2", Instant.parse("2026-11-30T10:15:30Z")));

        // the aggregate knows the late job from the upcast fields: the same job again is nothing new, another is refused
        commands.sendAndWait(new RecordUpstreamAcceptance(new VideoId(videoId), "late", "vid_late_2", Instant.now()));
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type = ?", Integer.class, videoId, EVENT + "LateOutcomeRecorded")).isEqualTo(1);
        assertThatThrownBy(() -> commands.sendAndWait(
                new RecordUpstreamAcceptance(new VideoId(videoId), "late", "vid_other", Instant.now())))
                .isInstanceOfSatisfying(TaskRejectedException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TRANSITION));
    }

    private String cancelledWhileTheCreateIsInFlight(String externalId) {
        PROVIDER.answerCreateWith(externalId);
        HttpApi.Response created = api.postJson("/api/video/tasks", token,
                "{\"prompt\":\"late fox\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String videoId = created.json().at("/data/videoId").asText();
        PROVIDER.awaitCreate();
        HttpApi.Response cancelled = api.postJson("/api/video/tasks/" + videoId + "/cancel", token, "{}");
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> eventCount(videoId, "TaskCancelled") == 1);
        PROVIDER.release();
        await().atMost(Duration.ofSeconds(20)).until(() -> eventCount(videoId, "LateOutcomeRecorded") == 1);
        return videoId;
    }

    private int eventCount(String videoId, String type) {
        return jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type = ?", Integer.class, videoId, EVENT + type);
    }

    private LateOutcomeRecorded lateOutcomeOf(String videoId) {
        List<LateOutcomeRecorded> late = eventStore.readEvents(videoId).asStream()
                .map(event -> (Object) event.getPayload())
                .filter(LateOutcomeRecorded.class::isInstance)
                .map(LateOutcomeRecorded.class::cast)
                .toList();
        assertThat(late).hasSize(1);
        return late.get(0);
    }

    /** A provider whose create answers only once the test lets it; it records the DELETEs it gets. */
    static final class SlowProvider extends Dispatcher {
        final MockWebServer server = new MockWebServer();
        final List<String> deletes = new CopyOnWriteArrayList<>();
        private volatile CountDownLatch createArrived = new CountDownLatch(1);
        private volatile CountDownLatch createMayAnswer = new CountDownLatch(1);
        private volatile String externalId = "unset";

        SlowProvider() {
            server.setDispatcher(this);
            try {
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void reset() {
            deletes.clear();
            createArrived = new CountDownLatch(1);
            createMayAnswer = new CountDownLatch(1);
        }

        void answerCreateWith(String id) {
            externalId = id;
        }

        void awaitCreate() {
            try {
                assertThat(createArrived.await(20, TimeUnit.SECONDS)).as("the create call reached the provider").isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        void release() {
            createMayAnswer.countDown();
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            String path = request.getPath() == null ? "" : request.getPath();
            if (request.getMethod().equals("POST") && path.equals("/v1/videos")) {
                createArrived.countDown();
                createMayAnswer.await(20, TimeUnit.SECONDS);
                return job(externalId, "queued");
            }
            if (request.getMethod().equals("DELETE")) {
                deletes.add(path);
                return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                        .setBody("{\"id\":\"" + path.substring(path.lastIndexOf('/') + 1) + "\",\"deleted\":true}");
            }
            if (request.getMethod().equals("GET") && path.startsWith("/v1/videos/")) {
                return job(path.substring("/v1/videos/".length()), "queued");
            }
            return new MockResponse().setResponseCode(404);
        }

        private static MockResponse job(String id, String status) {
            return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                    .setBody("{\"id\":\"" + id + "\",\"object\":\"video\",\"model\":\"sora-2\",\"status\":\"" + status
                            + "\",\"progress\":0,\"size\":\"720x1280\",\"seconds\":\"4\"}");
        }
    }
}
