package dev.reelay.infra.idempotency;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.FixedDelay;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;

/** Expired idempotency keys are purged hourly by db-scheduler (one node runs it, whatever the cluster size). */
@Configuration(proxyBeanMethods = false)
class IdempotencyHousekeeping {

    @Bean
    RecurringTask<Void> purgeExpiredIdempotencyKeys(JdbcIdempotencyStore store) {
        return Tasks.recurring("purge-expired-idempotency-keys", FixedDelay.of(Duration.ofHours(1)))
                .execute((instance, context) -> store.purgeExpired());
    }
}
