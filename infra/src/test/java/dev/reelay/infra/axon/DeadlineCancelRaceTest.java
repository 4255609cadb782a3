package dev.reelay.infra.axon;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.exceptions.ExecutionException;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.dbscheduler.DbSchedulerDeadlineToken;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.modelling.saga.SagaScopeDescriptor;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The db-scheduler cancel race (issue 15, item 4), made to happen every time: another node picks the deadline (its
 * pick is an update that bumps the row's version) after the cancel looked at the row and before it deletes it. The
 * pick is held open on its own connection until the cancel is seen waiting for the row lock, then committed.
 */
@ReelayIntegrationTest
class DeadlineCancelRaceTest {

    private static final String NAME = "poll";

    @Autowired
    DeadlineManager deadlines;
    @Autowired
    Scheduler scheduler;
    @Autowired
    TransactionManager transactionManager;
    @Autowired
    DataSource dataSource;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aDeadlineFiringWhileTheSagaCancelsItDoesNotAbortTheSagasUnitOfWork() throws Exception {
        String id = schedule();

        CompletableFuture<Void> cancel = racePickAgainst(() -> {
            DefaultUnitOfWork<?> batch = DefaultUnitOfWork.startAndGet(null);
            batch.attachTransaction(transactionManager);
            deadlines.cancelSchedule(NAME, id);
            batch.commit(); // the cancel runs at prepare-commit: a failure there would roll the batch back and throw
        }, id);

        assertThat(cancel).succeedsWithin(Duration.ofSeconds(10));
        assertThat(jdbc.queryForObject("select picked_by from scheduled_tasks where task_instance = ?", String.class, id))
                .as("the deadline fires on the node that picked it").isEqualTo("node-b");
    }

    @Test
    void dbSchedulersOwnCancelLosesThatRaceWhichIsWhyItIsNotUsed() throws Exception {
        String id = schedule();

        CompletableFuture<Void> cancel = racePickAgainst(() -> scheduler.cancel(new DbSchedulerDeadlineToken(id)), id);

        assertThat(cancel).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .havingRootCause().isInstanceOf(ExecutionException.class)
                .withMessageContaining("Expected one execution to be removed, but removed 0");
    }

    @Test
    void aDeadlineNobodyPickedIsCancelled() {
        String id = schedule();

        DefaultUnitOfWork<?> batch = DefaultUnitOfWork.startAndGet(null);
        batch.attachTransaction(transactionManager);
        deadlines.cancelSchedule(NAME, id);
        batch.commit();

        assertThat(jdbc.queryForObject("select count(*) from scheduled_tasks where task_instance = ?", Integer.class, id))
                .isZero();
    }

    private String schedule() {
        return deadlines.schedule(Duration.ofHours(1), NAME, "race",
                new SagaScopeDescriptor("UpstreamSaga", UUID.randomUUID().toString()));
    }

    /**
     * Runs {@code cancel} on another thread while "node B" picks the deadline: node B's update holds the row lock, the
     * cancel (having read the row before the pick committed) blocks on it, then node B commits.
     */
    private CompletableFuture<Void> racePickAgainst(Runnable cancel, String id) throws Exception {
        try (Connection nodeB = dataSource.getConnection()) {
            nodeB.setAutoCommit(false);
            try (PreparedStatement pick = nodeB.prepareStatement("update scheduled_tasks set picked = true, "
                    + "picked_by = 'node-b', last_heartbeat = now(), version = version + 1 where task_instance = ?")) {
                pick.setString(1, id);
                assertThat(pick.executeUpdate()).isEqualTo(1);
            }
            CompletableFuture<Void> cancelling = CompletableFuture.runAsync(cancel);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> jdbc.queryForObject(
                    "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query like 'delete from scheduled_tasks%'",
                    Integer.class) > 0);
            nodeB.commit();
            return cancelling;
        }
    }
}
