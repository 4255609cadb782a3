package dev.reelay.infra.content;

import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import dev.reelay.command.upstream.UpstreamProviders;
import dev.reelay.kernel.event.TaskCompleted;
import dev.reelay.kernel.event.TaskExpired;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.time.Clock;

/**
 * Copy-on-complete: every completion schedules a persistent archive job (db-scheduler, retried with backoff);
 * every expiry deletes the archived bytes while the events stay as the audit trail.
 */
@Component
@ProcessingGroup(ContentArchiver.GROUP)
@org.springframework.boot.autoconfigure.condition.ConditionalOnProperty(prefix = "reelay.content", name = "archive-on-complete",
        havingValue = "true", matchIfMissing = true)
public class ContentArchiver {

    public static final String GROUP = "content-archive";
    private static final Logger log = LoggerFactory.getLogger(ContentArchiver.class);

    private final ObjectProvider<SchedulerClient> scheduler;
    private final OneTimeTask<ArchiveJobs.ArchiveRequest> archiveTask;
    private final UpstreamProviders providers;
    private final ContentArchive archive;
    private final Clock clock;

    ContentArchiver(ObjectProvider<SchedulerClient> scheduler, OneTimeTask<ArchiveJobs.ArchiveRequest> archiveTask,
                    UpstreamProviders providers, ContentArchive archive, Clock clock) {
        this.scheduler = scheduler;
        this.archiveTask = archiveTask;
        this.providers = providers;
        this.archive = archive;
        this.clock = clock;
    }

    @EventHandler
    void on(TaskCompleted event) {
        providers.bindingOf(event.videoId()).ifPresent(binding -> scheduler.getObject().scheduleIfNotExists(
                archiveTask.instance(event.videoId().value(), new ArchiveJobs.ArchiveRequest(event.videoId().value(),
                        binding.providerId(), binding.externalTaskId(), event.contentLocation())), clock.instant()));
    }

    @EventHandler
    void on(TaskExpired event) throws IOException {
        archive.delete(event.videoId().value());
        log.info("archived content of {} deleted ({})", event.videoId(), event.reason());
    }
}
