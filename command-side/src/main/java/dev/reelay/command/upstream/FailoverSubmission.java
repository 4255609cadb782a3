package dev.reelay.command.upstream;

import org.axonframework.messaging.MetaData;
import dev.reelay.command.upstream.UpstreamProviders.ProviderRoute;
import dev.reelay.kernel.command.RecordUpstreamAcceptance;
import dev.reelay.kernel.task.Lineage;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Submits a task to a provider: the providers serving its request, best first (a remix: only the provider that made its
 * source), each retried with backoff, the next one tried when a provider is down or misconfigured. The first
 * acceptance binds the task to that provider's job; when none accepts, the task fails with the last provider's reason.
 * Never paying twice rests on the task id being the provider-side idempotency key. A round that fails for a reason a
 * retry may change while this node is stopping does not fail the task: it is handed back (issue 15, rolling restarts).
 */
@Component
class FailoverSubmission {

    private static final Logger log = LoggerFactory.getLogger(FailoverSubmission.class);

    private final UpstreamProviders providers;
    private final RetryBackoff retries;
    private final TaskCommandSender sender;
    private final JobObservations observations;
    private final NodeLiveness nodes;
    private final Clock clock;

    FailoverSubmission(UpstreamProviders providers, RetryBackoff retries, TaskCommandSender sender,
                       JobObservations observations, NodeLiveness nodes, Clock clock) {
        this.providers = providers;
        this.retries = retries;
        this.sender = sender;
        this.observations = observations;
        this.nodes = nodes;
        this.clock = clock;
    }

    /** Starts the submission's round {@code round} (1-based) and returns at once. */
    void start(MetaData origin, VideoId videoId, TaskSpec spec, Lineage lineage, int round) {
        List<ProviderRoute> routes;
        Optional<UpstreamProviders.Binding> source = Optional.empty();
        if (lineage != null) {
            source = providers.bindingOf(lineage.source());
            routes = source.flatMap(b -> providers.route(b.providerId())).map(List::of).orElse(List.of());
        } else {
            routes = providers.routesFor(videoId, spec);
        }
        if (routes.isEmpty()) {
            sender.send(origin, ProviderAnswers.noProvider(videoId, lineage != null, spec.model(), clock.instant()));
            return;
        }
        String sourceExternal = source.map(UpstreamProviders.Binding::externalTaskId).orElse(null);
        // attempt numbers go on across providers and rounds, so the call log numbers each call of a task once
        AtomicInteger attempt = new AtomicInteger((round - 1) * retries.attemptsPerProvider());
        tryRoute(new Submission(origin, videoId, spec, sourceExternal, routes, attempt), 0).subscribe();
    }

    private record Submission(MetaData origin, VideoId videoId, TaskSpec spec, String sourceExternal,
                              List<ProviderRoute> routes, AtomicInteger attempt) {
    }

    private Mono<Void> tryRoute(Submission submission, int index) {
        ProviderRoute route = submission.routes().get(index);
        VideoId videoId = submission.videoId();
        Mono<UpstreamJob> create = Mono.defer(() -> submission.sourceExternal() != null
                ? providers.remix(route.id(), submission.sourceExternal(), videoId, submission.spec(),
                submission.attempt().incrementAndGet())
                : providers.create(route.id(), videoId, submission.spec(), submission.attempt().incrementAndGet()));
        return create
                .retryWhen(retries.forProvider(route.idempotencyKeys()))
                .publishOn(sender.scheduler())
                .onErrorResume(error -> notAccepted(submission, index, route, error).then(Mono.<UpstreamJob>empty()))
                .flatMap(job -> recordAcceptance(submission, route, job));
    }

    private Mono<Void> notAccepted(Submission submission, int index, ProviderRoute route, Throwable error) {
        VideoId videoId = submission.videoId();
        UpstreamException failure = UpstreamException.of(error);
        boolean tryNext = (failure.kind() == UpstreamException.Kind.TRANSIENT
                || failure.kind() == UpstreamException.Kind.CONFIGURATION) && index + 1 < submission.routes().size();
        if (error instanceof UpstreamException) {
            log.warn("submission of {} to {} failed ({} {}): {}", videoId, route.id(), failure.kind(),
                    failure.httpStatus(), failure.getMessage());
        } else {
            log.warn("submission of {} to {} failed ({} {})", videoId, route.id(), failure.kind(), failure.httpStatus(),
                    error);
        }
        if (tryNext) {
            return tryRoute(submission, index + 1);
        }
        if (failure.retryable(route.idempotencyKeys()) && !nodes.isRunning(nodes.thisRun())) {
            // this node is stopping (its own sandbox, its connections go first): the task is not at
            // fault. The round is handed back; a live node's takeover check starts the next one.
            log.info("submission of {} handed back: this node is stopping", videoId);
            return Mono.empty();
        }
        return Mono.fromRunnable(() -> sender.send(submission.origin(), ProviderAnswers.submissionFailed(
                        videoId, failure, route.idempotencyKeys(), clock.instant())))
                .subscribeOn(sender.scheduler()).then();
    }

    /**
     * The provider has accepted: a job exists, so nothing that goes wrong from here on is the provider's failure. The
     * binding is written again with backoff if Reelay's own database refuses it; the round is neither failed nor sent to
     * the next provider (that would be a second job). If the writes still fail, the round stays open: at the end of its
     * watchdog the saga starts the next round, with the task id as the idempotency key again, which a provider that
     * honours the key answers with this same job.
     * <p>
     * The binding is written before the acceptance command: a webhook for the new job can arrive before the
     * {@code UpstreamTaskAccepted} event is stored, and must find its task (ADR 0010).
     */
    private Mono<Void> recordAcceptance(Submission submission, ProviderRoute route, UpstreamJob job) {
        VideoId videoId = submission.videoId();
        return Mono.fromRunnable(() -> providers.bind(videoId, route.id(), job.externalTaskId()))
                .subscribeOn(sender.scheduler())
                .retryWhen(retries.forOwnWrites())
                .then(Mono.fromRunnable(() -> {
                    sender.send(submission.origin(), new RecordUpstreamAcceptance(videoId, route.id(),
                            job.externalTaskId(), clock.instant()));
                    observations.observe(submission.origin(), videoId, job);
                }))
                .onErrorResume(e -> {
                    log.error("{} accepted {} as job {}, but the acceptance could not be recorded; the "
                            + "round's watchdog will submit it again", route.id(), videoId, job.externalTaskId(), e);
                    return Mono.empty();
                })
                .then();
    }
}
