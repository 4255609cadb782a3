package dev.reelay.infra.content;

import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import dev.reelay.kernel.command.RecordContentArchiveFailure;
import dev.reelay.kernel.command.RecordContentArchived;
import dev.reelay.kernel.task.VideoId;
import io.micrometer.core.instrument.MeterRegistry;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.IOException;
import java.io.Serializable;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The persistent archive job: runs outside any transaction, copies every variant, records them with one command
 * (one load of the task, one transaction), retries with exponential backoff, then records a failure.
 */
@Configuration(proxyBeanMethods = false)
class ArchiveJobs {

    static final List<String> VARIANTS = List.of("video", "thumbnail", "spritesheet");

    /** What to copy: the task and where its provider keeps the content. */
    record ArchiveRequest(String videoId, String providerId, String externalTaskId, String contentLocation)
            implements Serializable {
    }

    @Bean
    OneTimeTask<ArchiveRequest> archiveContentTask(ContentArchive archive, CommandGateway commands, MeterRegistry meters,
                                                   Clock clock, ContentProperties properties) {
        int attempts = properties.archiveAttempts();
        return Tasks.oneTime("archive-content", ArchiveRequest.class)
                .onFailure(new FailureHandler.ExponentialBackoffFailureHandler<>(properties.archiveFirstBackoff(), 2.0))
                .execute((instance, context) -> {
                    ArchiveRequest request = instance.getData();
                    int failuresSoFar = context.getExecution().consecutiveFailures;
                    boolean lastAttempt = failuresSoFar + 1 >= attempts;
                    try {
                        List<RecordContentArchived.Copy> copies = copyAll(archive, request, lastAttempt);
                        commands.sendAndWait(new RecordContentArchived(new VideoId(request.videoId()), copies,
                                clock.instant()));
                        copies.forEach(copy -> meters.counter("reelay.content.archive", "outcome", "archived",
                                "variant", copy.variant()).increment());
                    } catch (Exception e) {
                        if (lastAttempt) {
                            commands.sendAndWait(new RecordContentArchiveFailure(new VideoId(request.videoId()),
                                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(),
                                    failuresSoFar + 1, clock.instant()));
                            meters.counter("reelay.content.archive", "outcome", "failed", "variant", "video").increment();
                            return; // gave up: visible as an event and a metric, the task stays completed
                        }
                        meters.counter("reelay.content.archive", "outcome", "retry", "variant", "video").increment();
                        throw new IllegalStateException("archive of " + request.videoId() + " failed; will retry", e);
                    }
                });
    }

    /**
     * Copies every variant (see {@link ContentArchive#copy(String, List, String, String, String, boolean)}), in
     * {@link #VARIANTS} order. A variant the provider does not have is left out; one it may have later (429, 5xx,
     * timeout) fails this attempt, so the job tries again, except on the last attempt, which records what arrived. A
     * missing video is an error (the job tries again, or records the failure on its last attempt).
     */
    private static List<RecordContentArchived.Copy> copyAll(ContentArchive archive, ArchiveRequest request,
                                                            boolean lastAttempt) throws IOException {
        Map<String, ContentArchive.Archived> copied = archive.copy(request.videoId(), VARIANTS, request.providerId(),
                request.externalTaskId(), request.contentLocation(), lastAttempt);
        if (!copied.containsKey("video")) {
            throw new IllegalStateException("the provider did not deliver the video");
        }
        List<RecordContentArchived.Copy> copies = new ArrayList<>();
        copied.forEach((variant, a) -> copies.add(new RecordContentArchived.Copy(variant, a.location(), a.bytes(), a.sha256())));
        return copies;
    }
}
