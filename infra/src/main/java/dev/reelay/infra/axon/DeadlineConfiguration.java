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
import jakarta.annotation.Nonnull;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.ConfigurationScopeAwareProvider;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.DeadlineManagerSpanFactory;
import org.axonframework.deadline.dbscheduler.DbSchedulerDeadlineManager;
import org.axonframework.deadline.dbscheduler.DbSchedulerDeadlineToken;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

import java.util.Optional;

/**
 * Axon's deadlines (and every other db-scheduler task) on db-scheduler: task data stored as JSON, and a deadline
 * cancelled by its id in one statement that cannot lose a race with the node firing it.
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
