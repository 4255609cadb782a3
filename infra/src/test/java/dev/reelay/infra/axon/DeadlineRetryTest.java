package dev.reelay.infra.axon;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A deadline whose handling fails is tried again within seconds, not after db-scheduler's default five minutes. The
 * failure is the one two nodes can cause: a task's saga row held by another transaction past the saga's lock wait
 * while the task's poll falls due. Once the row is free, the task finishes at the next try.
 */
@ReelayIntegrationTest
class DeadlineRetryTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    DataSource dataSource;

    @Test
    void aPollThatFailedOnALockedSagaIsTriedAgainWithinSecondsAndTheTaskFinishes() throws Exception {
        HttpApi api = new HttpApi(port);
        String token = api.token("deadline-retry-user");
        HttpApi.Response created = api.postJson("/api/video/tasks", token,
                "{\"prompt\":\"a kite held down by the wind\",\"model\":\"sora-2\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String videoId = created.json().at("/data/videoId").asText();
        String sagaId = await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.queryForList(
                "select saga_id from association_value_entry where association_value = ?", String.class, videoId)
                .stream().findFirst().orElse(null), id -> id != null);
        await().atMost(Duration.ofSeconds(15)).until(() -> status(api, token, videoId).equals("PROCESSING"));

        Instant lockedAt = Instant.now();
        try (Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            try (PreparedStatement lock = other.prepareStatement("select saga_id from saga_entry where saga_id = ? for update")) {
                lock.setString(1, sagaId);
                try (ResultSet row = lock.executeQuery()) {
                    assertThat(row.next()).as("the saga's row").isTrue();
                }
            }
            // the poll that falls due now waits out the saga's lock wait and fails
            FailedDeadline failed = await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
                    .until(() -> failedDeadline(lockedAt), row -> row != null);
            assertThat(Duration.between(failed.failedAt(), failed.nextTry())).as("the pause before the failed deadline runs again")
                    .isLessThanOrEqualTo(Duration.ofSeconds(2));
            assertThat(status(api, token, videoId)).isEqualTo("PROCESSING");
            other.rollback();
        }

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> status(api, token, videoId).equals("COMPLETED"));
    }

    @Test
    void theRetriesDoubleFromOneSecondAndStayWithinAMinute() {
        DeadlineConfiguration.RetrySoon<Object> retry = new DeadlineConfiguration.RetrySoon<>(
                DeadlineConfiguration.FIRST_RETRY, DeadlineConfiguration.LAST_RETRY);
        assertThat(List.of(0, 1, 2, 5, 6, 7, 40, Integer.MAX_VALUE).stream().map(retry::delay).map(Duration::toSeconds))
                .containsExactly(1L, 2L, 4L, 32L, 60L, 60L, 60L, 60L);
    }

    /** A deadline execution that failed: when, and when db-scheduler will run it again. */
    record FailedDeadline(Instant failedAt, Instant nextTry) {
    }

    private FailedDeadline failedDeadline(Instant since) {
        return jdbc.query("select last_failure, execution_time from scheduled_tasks where task_name = 'AxonDeadline' "
                        + "and consecutive_failures > 0 and last_failure > ?",
                (rs, n) -> new FailedDeadline(rs.getTimestamp("last_failure").toInstant(),
                        rs.getTimestamp("execution_time").toInstant()), Timestamp.from(since))
                .stream().findFirst().orElse(null);
    }

    private static String status(HttpApi api, String token, String videoId) {
        return api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText();
    }
}
