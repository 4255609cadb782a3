package dev.reelay.infra.axon;

import com.github.kagkarlsson.scheduler.serializer.Serializer;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.dbscheduler.DbSchedulerBinaryDeadlineDetails;
import org.axonframework.modelling.saga.SagaScopeDescriptor;
import org.junit.jupiter.api.Test;
import org.mockito.Mockito;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;

/**
 * A task's deadlines are cancelled without reading anybody else's: with many deadlines in flight, a task going
 * through acceptance and completion (a cancel each) deserialises a handful of deadline rows, not all of them.
 */
@ReelayIntegrationTest
class DeadlineCancellingTest {

    private static final int UNRELATED = 200;
    private static final String UNRELATED_NAME = "unrelated";
    private static final String ROWS_NAMED = "select count(*) from scheduled_tasks where task_name = 'AxonDeadline' "
            + "and convert_from(task_data, 'UTF8') like ?";

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    DeadlineManager deadlines;
    @MockitoSpyBean
    Serializer taskDataSerializer;

    @Test
    void aTaskRunningToCompletionReadsNoneOfTheOtherDeadlinesInFlight() {
        for (int i = 0; i < UNRELATED; i++) {
            deadlines.schedule(Duration.ofHours(1), UNRELATED_NAME, "not this task",
                    new SagaScopeDescriptor("UpstreamSaga", UUID.randomUUID().toString()));
        }
        Mockito.clearInvocations(taskDataSerializer);

        HttpApi api = new HttpApi(port);
        String token = api.token("alice");
        String videoId = api.postJson("/api/video/tasks", token, "{\"prompt\":\"a quiet harbour\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText()).isEqualTo("COMPLETED"));
        // the saga handles the completion after the view shows it: its deadlines (poll, give-up) are gone then
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                jdbc.queryForObject(ROWS_NAMED, Integer.class, "%\"d\":\"poll\"%")
                        + jdbc.queryForObject(ROWS_NAMED, Integer.class, "%\"d\":\"give-up\"%")
                        + jdbc.queryForObject(ROWS_NAMED, Integer.class, "%\"d\":\"submission-watchdog\"%")).isZero());

        long read = Mockito.mockingDetails(taskDataSerializer).getInvocations().stream()
                .filter(call -> call.getMethod().getName().equals("deserialize")
                        && call.getArgument(0) == DbSchedulerBinaryDeadlineDetails.class)
                .count();
        System.out.println("deadline rows deserialised while one task ran with " + UNRELATED + " other deadlines in flight: " + read);
        assertThat(read).isLessThan(UNRELATED);
        assertThat(jdbc.queryForObject(ROWS_NAMED, Integer.class, "%\"d\":\"" + UNRELATED_NAME + "\"%"))
                .as("the other deadlines are all still scheduled").isEqualTo(UNRELATED);
    }

    @Test
    void deadlineDataIsStoredAsJson() {
        String id = deadlines.schedule(Duration.ofHours(1), "json-check", "a payload",
                new SagaScopeDescriptor("UpstreamSaga", UUID.randomUUID().toString()));

        String data = jdbc.queryForObject("select convert_from(task_data, 'UTF8') from scheduled_tasks where task_instance = ?",
                String.class, id);

        assertThat(data).startsWith("{").contains("\"d\":\"json-check\"");
    }
}
