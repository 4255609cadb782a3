package dev.reelay.infra.axon;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.boot.config.DbSchedulerConfigurationSupport;
import com.github.kagkarlsson.scheduler.boot.config.DbSchedulerCustomizer;
import com.github.kagkarlsson.scheduler.exceptions.TaskInstanceCurrentlyExecutingException;
import com.github.kagkarlsson.scheduler.exceptions.TaskInstanceNotFoundException;
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

import java.util.Optional;

/**
 * Axon's deadlines (and every other db-scheduler task) on db-scheduler: task data stored as JSON, and a deadline
 * cancelled by its id without failing when it already fired.
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
        };
    }

    /** Axon's own db-scheduler deadline manager, built as its auto-configuration would, with a tolerant cancel. */
    @Bean
    DeadlineManager deadlineManager(Scheduler scheduler, org.axonframework.config.Configuration configuration,
                                    @Qualifier("eventSerializer") org.axonframework.serialization.Serializer serializer,
                                    TransactionManager transactionManager, DeadlineManagerSpanFactory spanFactory) {
        return new IdCancellingDeadlineManager(DbSchedulerDeadlineManager.builder()
                .scheduler(scheduler)
                .scopeAwareProvider(new ConfigurationScopeAwareProvider(configuration))
                .serializer(serializer)
                .transactionManager(transactionManager)
                .spanFactory(spanFactory)
                .startScheduler(false)
                .stopScheduler(false), scheduler);
    }

    /**
     * Cancelling by id is one lookup by primary key; the cancel-all methods read every deadline in flight. db-scheduler
     * refuses to cancel a deadline that is no longer there (it fired) or is firing right now; Axon would fail the
     * whole unit of work for it (event handling retried). Both are fine to ignore: a deadline that fires after its
     * reason passed finds its saga ended, or in a state its handler ignores.
     */
    static final class IdCancellingDeadlineManager extends DbSchedulerDeadlineManager {

        private final Scheduler scheduler;

        IdCancellingDeadlineManager(Builder builder, Scheduler scheduler) {
            super(builder);
            this.scheduler = scheduler;
        }

        @Override
        public void cancelSchedule(@Nonnull String deadlineName, @Nonnull String scheduleId) {
            runOnPrepareCommitOrNow(() -> {
                try {
                    scheduler.cancel(new DbSchedulerDeadlineToken(scheduleId));
                } catch (TaskInstanceNotFoundException | TaskInstanceCurrentlyExecutingException gone) {
                    // already fired or firing: see the class comment
                }
            });
        }
    }
}
