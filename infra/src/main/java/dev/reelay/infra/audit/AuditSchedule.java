package dev.reelay.infra.audit;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.FixedDelay;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The chaining step as a db-scheduler job: one node runs it at a time (and the advisory lock in {@link AuditChain}
 * keeps it so even when an export chains on demand), then signs the head when a checkpoint is due.
 */
@Configuration(proxyBeanMethods = false)
class AuditSchedule {

    @Bean
    RecurringTask<Void> chainCommittedEvents(AuditChain chain, AuditCheckpoints checkpoints, AuditProperties properties) {
        return Tasks.recurring("audit-chain", FixedDelay.of(properties.chainInterval())).execute((instance, context) -> {
            chain.chain(false, Long.MAX_VALUE);
            checkpoints.takeIfDue(chain.head());
        });
    }
}
