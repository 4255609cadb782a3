package dev.reelay.infra.axon;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import dev.reelay.infra.cluster.ClusterNodes;
import com.github.kagkarlsson.scheduler.boot.config.DbSchedulerConfigurationSupport;
import com.github.kagkarlsson.scheduler.boot.config.DbSchedulerCustomizer;
import com.github.kagkarlsson.scheduler.boot.config.DbSchedulerProperties;
import com.github.kagkarlsson.scheduler.serializer.JacksonSerializer;
import com.github.kagkarlsson.scheduler.serializer.Serializer;
import com.github.kagkarlsson.scheduler.serializer.SerializerWithFallbackDeserializers;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionContext;
import com.github.kagkarlsson.scheduler.task.ExecutionOperations;
import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.Task;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import jakarta.annotation.Nonnull;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.ConfigurationScopeAwareProvider;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.DeadlineManagerSpanFactory;
import org.axonframework.deadline.dbscheduler.DbSchedulerBinaryDeadlineDetails;
import org.axonframework.deadline.dbscheduler.DbSchedulerDeadlineManager;
import org.axonframework.deadline.dbscheduler.DbSchedulerDeadlineToken;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.util.Optional;

/**
 * Axon's deadlines (and every other db-scheduler task) on db-scheduler: task data stored as JSON, a deadline
 * cancelled by its id in one statement that cannot lose a race with the node firing it, and a deadline whose handling
 * failed tried again within seconds.
 */
@Configuration(proxyBeanMethods = false)
class DeadlineConfiguration {

    /**
     * Task data is written as JSON instead of Java serialisation, which ties stored rows to class layouts and reads
     * whatever class a row names. Rows written as Java serialisation before (deadlines in flight at the upgrade) are
     * still read, through the fallback, until the last of them has fired; nothing needs converting.
     */
    @Bean
    Serializer taskDataSerializer() {
        return new SerializerWithFallbackDeserializers(new JacksonSerializer(),
                DbSchedulerConfigurationSupport.SPRING_JAVA_SERIALIZER);
    }

    @Bean
    DbSchedulerCustomizer taskDataAsJson(Serializer taskDataSerializer) {
        return new DbSchedulerCustomizer() {
            @Override
            public Optional<Serializer> serializer() {
                return Optional.of(taskDataSerializer);
            }

            /** Executions are marked {@code picked_by} Axon's node name ({@code pid@host}), not the bare host name. */
            @Override
            public Optional<SchedulerName> schedulerName() {
                return Optional.of(new SchedulerName.Fixed(ClusterNodes.THIS_NODE));
            }
        };
    }

    /**
     * Axon's deadline task, tried again soon when its handling fails. Axon's auto-configuration builds it with
     * db-scheduler's default, which tries a failed execution again only after five minutes. A deadline fails when its
     * unit of work rolls back: the saga's row stayed locked by another node's batch past the lock wait, a deadlock, a
     * database that was away for a moment. For a poll, that stalled the task for five minutes. The unit of work rolled
     * back, so running the deadline again is safe; the first retry comes after {@link #FIRST_RETRY}, each further one
     * after twice as long, never more than {@link #LAST_RETRY} apart.
     */
    @Bean
    @Qualifier("deadlineDetailsTask")
    Task<DbSchedulerBinaryDeadlineDetails> deadlineDetailsTask(ApplicationContext context) {
        Task<DbSchedulerBinaryDeadlineDetails> axons =
                DbSchedulerDeadlineManager.binaryTask(() -> context.getBean(DbSchedulerDeadlineManager.class));
        return new OneTimeTask<>(axons.getName(), DbSchedulerBinaryDeadlineDetails.class,
                new RetrySoon<>(FIRST_RETRY, LAST_RETRY)) {
            @Override
            public void executeOnce(TaskInstance<DbSchedulerBinaryDeadlineDetails> instance, ExecutionContext context) {
                axons.execute(instance, context);
            }
        };
    }

    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration LAST_RETRY = Duration.ofMinutes(1);

    /** Doubling backoff from {@code first}, capped at {@code last}, counted from when the failed try ended. */
    record RetrySoon<T>(Duration first, Duration last) implements FailureHandler<T> {

        @Override
        public void onFailure(ExecutionComplete complete, ExecutionOperations<T> operations) {
            operations.reschedule(complete, complete.getTimeDone().plus(delay(complete.getExecution().consecutiveFailures)));
        }

        /** The pause after a failure that follows {@code earlierFailures} failures in a row. */
        Duration delay(int earlierFailures) {
            Duration delay = first.multipliedBy(1L << Math.min(earlierFailures, 30));
            return delay.compareTo(last) < 0 ? delay : last;
        }
    }

    /** Axon's own db-scheduler deadline manager, built as its auto-configuration would, with a race-free cancel. */
    @Bean
    DeadlineManager deadlineManager(Scheduler scheduler, org.axonframework.config.Configuration configuration,
                                    @Qualifier("eventSerializer") org.axonframework.serialization.Serializer serializer,
                                    TransactionManager transactionManager, DeadlineManagerSpanFactory spanFactory,
                                    JdbcTemplate jdbc, DbSchedulerProperties schedulerProperties) {
        return new IdCancellingDeadlineManager(DbSchedulerDeadlineManager.builder()
                .scheduler(scheduler)
                .scopeAwareProvider(new ConfigurationScopeAwareProvider(configuration))
                .serializer(serializer)
                .transactionManager(transactionManager)
                .spanFactory(spanFactory)
                .startScheduler(false)
                .stopScheduler(false), jdbc, schedulerProperties.getTableName());
    }

    /**
     * Cancelling by id is one delete by primary key; the cancel-all methods read every deadline in flight.
     *
     * <p>db-scheduler's own {@code cancel} reads the execution, then deletes it by its version. A node that picks the
     * deadline in between (it fell due) bumps the version, the delete removes nothing, and db-scheduler throws
     * {@code ExecutionException: Expected one execution to be removed, but removed 0} (db-scheduler #786), which
     * aborts the whole unit of work: the saga's batch is rolled back and retried. It also throws for a deadline that
     * already fired or is firing. Here the cancel is one statement that deletes the row only while nobody has picked
     * it, so there is no read for a pick to slip behind: a deadline that fired or is firing stays as it is, and the
     * cancel succeeds. That is fine: a deadline that fires after its reason passed finds its saga ended, or in a
     * state its handler ignores. The delete joins the unit of work's transaction, as db-scheduler's would.
     */
    static final class IdCancellingDeadlineManager extends DbSchedulerDeadlineManager {

        private final JdbcTemplate jdbc;
        private final String deleteUnpicked;

        IdCancellingDeadlineManager(Builder builder, JdbcTemplate jdbc, String tableName) {
            super(builder);
            this.jdbc = jdbc;
            this.deleteUnpicked = "delete from " + tableName + " where task_name = ? and task_instance = ? and picked = false";
        }

        @Override
        public void cancelSchedule(@Nonnull String deadlineName, @Nonnull String scheduleId) {
            DbSchedulerDeadlineToken token = new DbSchedulerDeadlineToken(scheduleId);
            runOnPrepareCommitOrNow(() -> jdbc.update(deleteUnpicked, token.getTaskName(), token.getId()));
        }
    }
}
