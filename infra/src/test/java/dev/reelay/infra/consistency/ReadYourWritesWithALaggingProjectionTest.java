package dev.reelay.infra.consistency;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static dev.reelay.infra.consistency.ReadYourWritesLoops.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The task-views projection made slow on purpose (a handler interceptor holds every event it handles), and then
 * stopped: writes still answer 2xx, the writer's next reads still see them while the lag is within the bound, and
 * past it single-task reads fold the task's events while lists catch up once the projection runs again. Nothing is
 * lost and nothing answers 5xx.
 */
@ReelayIntegrationTest
// 1 h jobs: the tasks stay open to be cancelled, and the projection's slowness is the writes', not a flood of progress
@TestPropertySource(properties = {"reelay.consistency.write-wait=2s", "reelay.sandbox.job-duration=1h"})
class ReadYourWritesWithALaggingProjectionTest {

    /** How long the task-views projection is held on each event it handles. */
    static final AtomicLong PROJECTION_DELAY_MS = new AtomicLong();

    @TestConfiguration
    static class SlowTaskViews {
        @Bean
        ConfigurerModule slowTaskViews() {
            MessageHandlerInterceptor<org.axonframework.eventhandling.EventMessage<?>> hold = (unitOfWork, chain) -> {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PROJECTION_DELAY_MS.get()));
                return chain.proceed();
            };
            return configurer -> configurer.eventProcessing().registerHandlerInterceptor("task-views", config -> hold);
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    EventProcessingConfiguration processing;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aSlowProjectionWithinTheBoundStillShowsEveryWriteToTheNextRead() {
        PROJECTION_DELAY_MS.set(10);
        try {
            HttpApi api = new HttpApi(port);
            String token = api.token("ryw-slow");
            assertThat(ReadYourWritesLoops.seedCreateThenGet(api, token, api, token, 200)).isEmpty();
            assertThat(ReadYourWritesLoops.openAiCreateThenGet(api, token, api, token, 200)).isEmpty();
            assertThat(ReadYourWritesLoops.seedCreateThenList(api, token, api, token, 50)).isEmpty();
            assertThat(ReadYourWritesLoops.openAiCreateThenList(api, token, api, token, 50)).isEmpty();
        } finally {
            PROJECTION_DELAY_MS.set(0);
        }
    }

    @Test
    void aStoppedProjectionPastTheBoundAnswersWritesAndSingleTaskReadsAndListsCatchUpWhenItRunsAgain() {
        HttpApi api = new HttpApi(port);
        String token = api.token("ryw-stopped");
        StreamingEventProcessor taskViews = processing.eventProcessor("task-views", StreamingEventProcessor.class).orElseThrow();
        taskViews.shutDown();
        String seedId;
        String v1Id;
        try {
            long started = System.nanoTime();
            seedId = ReadYourWritesLoops.seedCreate(api, token, "written while the projection is stopped");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the write waits no longer than the bound")
                    .isLessThan(Duration.ofSeconds(10));
            v1Id = ReadYourWritesLoops.openAiCreate(api, token, "also written while stopped");

            // single-task reads fold the task's own events
            HttpApi.Response seedView = api.get("/api/video/tasks/" + seedId, token);
            assertThat(seedView.status()).isEqualTo(200);
            assertThat(seedView.json().at("/data/prompt").asText()).isEqualTo("written while the projection is stopped");
            assertThat(api.get("/v1/videos/" + v1Id, token).status()).isEqualTo(200);

            assertThat(api.postJson("/api/video/tasks/" + seedId + "/cancel", token, "{}").status()).isEqualTo(200);
            assertThat(api.get("/api/video/tasks/" + seedId, token).json().at("/data/status").asText()).isEqualTo("CANCELLED");
            assertThat(api.get("/api/video/tasks/" + seedId + "/history", token).body()).contains("TaskCancelled");
            assertThat(api.delete("/v1/videos/" + v1Id, token).status()).isEqualTo(200);
            assertThat(api.get("/v1/videos/" + v1Id, token).status()).isEqualTo(404);

            // someone else still cannot see them, and an unknown id is still a 404
            String other = api.token("ryw-stopped-other");
            assertThat(api.get("/api/video/tasks/" + seedId, other).status()).isEqualTo(404);
            assertThat(api.get("/api/video/tasks/video_00000000-0000-0000-0000-000000000000", token).status()).isEqualTo(404);

            // lists read the projection's rows: past the bound they trail until it runs again (ADR 0009)
            HttpApi.Response list = api.get("/api/video/tasks?limit=3", token);
            assertThat(list.status()).isEqualTo(200);
        } finally {
            taskViews.start();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(ids(api.get("/api/video/tasks?limit=10", token).json().at("/data/items"), "videoId")).contains(seedId);
            assertThat(jdbc.queryForObject("select status from task_view where video_id = ?", String.class, v1Id))
                    .isEqualTo("EXPIRED");
        });
        assertThat(api.get("/api/video/tasks/" + seedId, token).json().at("/data/status").asText()).isEqualTo("CANCELLED");
        // the saga may still append to the cancelled task (a late acceptance is recorded as such): the view catches up
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(jdbc.queryForObject("select last_seq from task_view where video_id = ?", Long.class, seedId))
                        .isEqualTo(jdbc.queryForObject("select max(sequence_number) from domain_event_entry"
                                + " where aggregate_identifier = ?", Long.class, seedId)));
    }
}
