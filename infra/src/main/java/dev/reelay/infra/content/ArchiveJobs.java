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
import java.util.Optional;

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
                    try {
                        List<RecordContentArchived.Copy> copies = copyAll(archive, request);
                        commands.sendAndWait(new RecordContentArchived(new VideoId(request.videoId()), copies,
                                clock.instant()));
                        copies.forEach(copy -> meters.counter("reelay.content.archive", "outcome", "archived",
                                "variant", copy.variant()).increment());
                    } catch (Exception e) {
                        if (failuresSoFar + 1 >= attempts) {
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
     * Copies the variants one after the other, in {@link #VARIANTS} order; a variant the provider does not have is
     * left out, a missing video is an error (the job tries again).
     */
    private static List<RecordContentArchived.Copy> copyAll(ContentArchive archive, ArchiveRequest request) throws IOException {
        List<RecordContentArchived.Copy> copies = new ArrayList<>();
        for (String variant : VARIANTS) {
            Optional<ContentArchive.Archived> copied = archive.copy(request.videoId(), variant, request.providerId(),
                    request.externalTaskId(), request.contentLocation());
            if (copied.isEmpty() && variant.equals("video")) {
                throw new IllegalStateException("the provider did not deliver the video");
            }
            copied.ifPresent(a -> copies.add(new RecordContentArchived.Copy(variant, a.location(), a.bytes(), a.sha256())));
        }
        return copies;
    }
}
