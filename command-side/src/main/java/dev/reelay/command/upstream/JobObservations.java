package dev.reelay.command.upstream;

import org.axonframework.messaging.MetaData;
import dev.reelay.kernel.task.VideoId;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Instant;

/**
 * Turns one observation of a provider job (a create's answer, a poll, a refresh) into at most one command; the
 * aggregate decides whether it is news. It also keeps the provider's poll hint, and forgets the task's per-node
 * memory once the job has ended.
 */
@Component
class JobObservations {

    private final TaskCommandSender sender;
    private final PollThrottle throttle;
    private final RequestOrigins origins;
    private final Clock clock;

    JobObservations(TaskCommandSender sender, PollThrottle throttle, RequestOrigins origins, Clock clock) {
        this.sender = sender;
        this.throttle = throttle;
        this.origins = origins;
        this.clock = clock;
    }

    void observe(MetaData origin, VideoId videoId, UpstreamJob job) {
        Instant now = clock.instant();
        if (job.pollAfter() != null) {
            throttle.hint(videoId, job.pollAfter(), now);
        }
        if (job.state() == UpstreamJob.State.COMPLETED || job.state() == UpstreamJob.State.FAILED) {
            forget(videoId);
        }
        ProviderAnswers.commandFor(videoId, job, now).ifPresent(command -> sender.send(origin, command));
    }

    /** Drops the task's per-node memory: its poll hint and the request ids that started it. */
    void forget(VideoId videoId) {
        throttle.forget(videoId);
        origins.forget(videoId);
    }
}
