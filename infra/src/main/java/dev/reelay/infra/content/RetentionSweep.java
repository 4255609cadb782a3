package dev.reelay.infra.content;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.FixedDelay;
import dev.reelay.command.port.RetentionPolicy;
import dev.reelay.kernel.command.ExpireTask;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;

/**
 * Retention: a db-scheduler job (one node at a time) expires the tasks the {@link RetentionPolicy} says are due,
 * found through the task views' status and last change. {@code TaskExpired} deletes the archived bytes and updates
 * the views; the event history stays as the tombstone.
 */
@Configuration(proxyBeanMethods = false)
class RetentionSweep {

    private static final Logger log = LoggerFactory.getLogger(RetentionSweep.class);

    @Bean
    RecurringTask<Void> expireDueTasks(JdbcTemplate jdbc, CommandGateway commands, Clock clock,
                                       RetentionProperties properties) {
        RetentionPolicy policy = properties.policy();
        int batch = properties.batch();
        return Tasks.recurring("expire-due-tasks", FixedDelay.of(properties.sweepInterval())).execute((instance, context) -> {
            int expired = 0;
            for (TaskStatus status : policy.expiringStatuses()) {
                Timestamp before = Timestamp.from(policy.dueBefore(status, clock.instant()));
                List<String> due = jdbc.queryForList("select video_id from task_view where status = ? and updated_at < ? "
                        + "order by updated_at limit ?", String.class, status.name(), before, batch);
                for (String videoId : due) {
                    try {
                        commands.sendAndWait(new ExpireTask(new VideoId(videoId), policy.reason(status), clock.instant()));
                        expired++;
                    } catch (RuntimeException e) {
                        log.warn("could not expire {}: {}", videoId, e.getMessage());
                    }
                }
            }
            if (expired > 0) {
                log.info("retention expired {} tasks", expired);
            }
        });
    }
}
