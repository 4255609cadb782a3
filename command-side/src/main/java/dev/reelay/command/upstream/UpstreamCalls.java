package dev.reelay.command.upstream;

import org.axonframework.messaging.MetaData;
import dev.reelay.kernel.task.Lineage;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

import java.time.Clock;

/**
 * Runs what the upstream saga asks for without blocking event-processor threads or holding a transaction: Reactor
 * pipelines on the providers' non-blocking clients, every observation sent to the aggregate as a command. The parts:
 * {@link FailoverSubmission} (which provider, retries), {@link PollThrottle} (when a status call may go out),
 * {@link JobObservations} and {@link ProviderAnswers} (what an answer means), {@link RequestOrigins} (which request
 * the resulting commands belong to).
 */
@Component
class UpstreamCalls implements UpstreamEffects {

    private static final Logger log = LoggerFactory.getLogger(UpstreamCalls.class);

    private final UpstreamProviders providers;
    private final FailoverSubmission submission;
    private final PollThrottle throttle;
    private final JobObservations observations;
    private final RequestOrigins origins;
    private final TaskCommandSender sender;
    private final Clock clock;

    UpstreamCalls(UpstreamProviders providers, FailoverSubmission submission, PollThrottle throttle,
                  JobObservations observations, RequestOrigins origins, TaskCommandSender sender, Clock clock) {
        this.providers = providers;
        this.submission = submission;
        this.throttle = throttle;
        this.observations = observations;
        this.origins = origins;
        this.sender = sender;
        this.clock = clock;
    }

    @Override
    public void submit(VideoId videoId, TaskSpec spec, Lineage lineage, int round) {
        submission.start(origins.of(videoId), videoId, spec, lineage, round);
    }

    @Override
    public boolean poll(VideoId videoId, String providerId, String externalTaskId) {
        MetaData origin = origins.of(videoId);
        if (!throttle.tryStart(videoId, clock.instant())) {
            return false;
        }
        providers.retrieve(providerId, externalTaskId, videoId)
                .publishOn(sender.scheduler())
                .doOnNext(job -> observations.observe(origin, videoId, job))
                .doOnError(e -> {
                    UpstreamException failure = UpstreamException.of(e);
                    ProviderAnswers.statusCheckFailed(videoId, failure, clock.instant()).ifPresentOrElse(
                            command -> sender.send(origin, command),
                            () -> log.info("poll of {} on {} failed ({}); the next poll retries", videoId, providerId,
                                    failure.getMessage()));
                })
                .doFinally(signal -> throttle.finished(videoId))
                .onErrorResume(e -> Mono.empty())
                .subscribe();
        return true;
    }

    @Override
    public void refresh(VideoId videoId, String providerId, String externalTaskId) {
        MetaData origin = origins.of(videoId);
        throttle.forget(videoId);
        providers.retrieve(providerId, externalTaskId, videoId)
                .publishOn(sender.scheduler())
                .doOnNext(job -> observations.observe(origin, videoId, job))
                .doOnError(e -> log.info("refresh of {} on {} failed: {}", videoId, providerId, e.getMessage()))
                .onErrorResume(e -> Mono.empty())
                .subscribe();
    }

    @Override
    public void finalCheck(VideoId videoId, String providerId, String externalTaskId) {
        MetaData origin = origins.of(videoId);
        providers.retrieve(providerId, externalTaskId, videoId)
                .publishOn(sender.scheduler())
                .doOnNext(job -> {
                    if (job.state() == UpstreamJob.State.COMPLETED || job.state() == UpstreamJob.State.FAILED) {
                        observations.observe(origin, videoId, job);
                    } else {
                        timeout(origin, videoId);
                    }
                })
                .onErrorResume(e -> Mono.fromRunnable(() -> timeout(origin, videoId)).subscribeOn(sender.scheduler()).then(Mono.empty()))
                .subscribe();
    }

    private void timeout(MetaData origin, VideoId videoId) {
        sender.send(origin, ProviderAnswers.timedOut(videoId, clock.instant()));
    }

    @Override
    public void cancelUpstream(VideoId videoId, String providerId, String externalTaskId) {
        providers.delete(providerId, externalTaskId, videoId)
                .doOnError(e -> log.info("upstream delete of {} on {} failed: {}", videoId, providerId, e.getMessage()))
                .onErrorResume(e -> Mono.empty())
                .subscribe();
        forget(videoId);
    }

    @Override
    public void giveUpSubmission(VideoId videoId, String reason) {
        sender.send(origins.of(videoId), ProviderAnswers.submissionGivenUp(videoId, reason, clock.instant()));
    }

    @Override
    public void forget(VideoId videoId) {
        observations.forget(videoId);
    }
}
