package dev.reelay.command.upstream;

import dev.reelay.command.upstream.UpstreamProviders.ProviderRoute;
import dev.reelay.kernel.command.CompleteTask;
import dev.reelay.kernel.command.FailTask;
import dev.reelay.kernel.command.RecordProgress;
import dev.reelay.kernel.command.RecordUpstreamAcceptance;
import dev.reelay.kernel.event.AuditMetaData;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.Lineage;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs upstream calls without blocking event-processor threads or holding a transaction: Reactor pipelines on the
 * providers' non-blocking clients, retries with exponential backoff and jitter (never sooner than a
 * {@code Retry-After}), fail-over by priority, and every observation sent to the aggregate as a command.
 */
@Component
class UpstreamCalls implements UpstreamEffects {

    private static final Logger log = LoggerFactory.getLogger(UpstreamCalls.class);
    /** The principal of the commands upstream observations turn into: Reelay acting for the task. */
    static final String SYSTEM_PRINCIPAL = "system:upstream";
    private static final Set<String> MODERATION_CODES = Set.of("moderation_blocked", "content_policy_violation",
            "content_filter", "moderation", "safety");

    private final UpstreamProviders providers;
    private final CommandGateway commands;
    private final Clock clock;
    private final int attemptsPerProvider;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final Semaphore inFlightPolls;
    private final Map<VideoId, Instant> notBefore = new ConcurrentHashMap<>();
    /** Per task in flight on this node: the request ids that started it (lost on restart, which is only less detail). */
    private final Map<VideoId, Map<String, Object>> origins = new ConcurrentHashMap<>();
    /** Blocking work (commands → JDBC) leaves the HTTP event loops for a bounded pool. */
    private final Scheduler commandScheduler = Schedulers.boundedElastic();

    UpstreamCalls(UpstreamProviders providers, CommandGateway commands, Clock clock,
                  @Value("${reelay.upstream.attempts-per-provider:4}") int attemptsPerProvider,
                  @Value("${reelay.upstream.first-backoff:1s}") Duration firstBackoff,
                  @Value("${reelay.upstream.max-backoff:30s}") Duration maxBackoff,
                  @Value("${reelay.upstream.max-in-flight-polls:256}") int maxInFlightPolls) {
        this.providers = providers;
        this.commands = commands;
        this.clock = clock;
        this.attemptsPerProvider = attemptsPerProvider;
        this.firstBackoff = firstBackoff;
        this.maxBackoff = maxBackoff;
        this.inFlightPolls = new Semaphore(maxInFlightPolls);
    }

    /**
     * Correlation and trace ids of the event that asked for this work, so the commands sent later from HTTP threads
     * (and the events they cause) still say which request started it; the principal is the system acting for it.
     */
    private Map<String, Object> origin(VideoId videoId) {
        Map<String, Object> origin = new java.util.HashMap<>();
        if (CurrentUnitOfWork.isStarted()) {
            CurrentUnitOfWork.get().getCorrelationData().forEach((key, value) -> {
                if (!key.equals(AuditMetaData.PRINCIPAL)) {
                    origin.put(key, value);
                }
            });
        }
        origin.put(AuditMetaData.PRINCIPAL, SYSTEM_PRINCIPAL);
        if (origin.containsKey(AuditMetaData.TRACE_ID)) {
            origins.put(videoId, Map.copyOf(origin));
            return origin;
        }
        // deadline messages do not carry the scheduling unit's correlation data: use what the submission saw
        return origins.getOrDefault(videoId, origin);
    }

    @Override
    public void submit(VideoId videoId, TaskSpec spec, Lineage lineage, int round) {
        Map<String, Object> origin = origin(videoId);
        List<ProviderRoute> routes;
        Optional<UpstreamProviders.Binding> source = Optional.empty();
        if (lineage != null) {
            source = providers.bindingOf(lineage.source());
            routes = source.flatMap(b -> providers.route(b.providerId())).map(List::of).orElse(List.of());
        } else {
            routes = providers.routesFor(spec.model());
        }
        if (routes.isEmpty()) {
            send(origin, new FailTask(videoId, ErrorCode.UPSTREAM_UNAVAILABLE,
                    lineage != null ? "the provider that made the remix source is not configured"
                            : "no provider serves model " + spec.model(), false, null, clock.instant()));
            return;
        }
        String sourceExternal = source.map(UpstreamProviders.Binding::externalTaskId).orElse(null);
        AtomicInteger attempt = new AtomicInteger((round - 1) * attemptsPerProvider);
        tryRoute(videoId, spec, sourceExternal, routes, 0, attempt, origin).subscribe();
    }

    private Mono<Void> tryRoute(VideoId videoId, TaskSpec spec, String sourceExternal, List<ProviderRoute> routes,
                                int index, AtomicInteger attempt, Map<String, Object> origin) {
        ProviderRoute route = routes.get(index);
        Mono<UpstreamJob> create = Mono.defer(() -> sourceExternal != null
                ? providers.remix(route.id(), sourceExternal, videoId, spec, attempt.incrementAndGet())
                : providers.create(route.id(), videoId, spec, attempt.incrementAndGet()));
        return create
                .retryWhen(retrySpec(route.idempotencyKeys()))
                .publishOn(commandScheduler)
                .flatMap(job -> {
                    providers.bind(videoId, route.id(), job.externalTaskId());
                    send(origin, new RecordUpstreamAcceptance(videoId, route.id(), job.externalTaskId(), clock.instant()));
                    observe(origin, videoId, job);
                    return Mono.<Void>empty();
                })
                .onErrorResume(error -> {
                    UpstreamException failure = classify(error);
                    boolean tryNext = (failure.kind() == UpstreamException.Kind.TRANSIENT
                            || failure.kind() == UpstreamException.Kind.CONFIGURATION) && index + 1 < routes.size();
                    log.warn("submission of {} to {} failed ({} {}): {}", videoId, route.id(), failure.kind(),
                            failure.httpStatus(), failure.getMessage());
                    if (tryNext) {
                        return tryRoute(videoId, spec, sourceExternal, routes, index + 1, attempt, origin);
                    }
                    return Mono.fromRunnable(() -> send(origin, failureFor(videoId, failure, route.idempotencyKeys())))
                            .subscribeOn(commandScheduler).then();
                });
    }

    private FailTask failureFor(VideoId videoId, UpstreamException failure, boolean idempotent) {
        Instant now = clock.instant();
        return switch (failure.kind()) {
            case USER_ERROR -> new FailTask(videoId, moderation(failure.providerCode())
                    ? ErrorCode.UPSTREAM_MODERATION : ErrorCode.UPSTREAM_REJECTED,
                    failure.getMessage(), false, failure.providerCode(), now);
            case AMBIGUOUS -> idempotent
                    ? new FailTask(videoId, ErrorCode.UPSTREAM_UNAVAILABLE, "the provider did not answer in time",
                    true, failure.providerCode(), now)
                    : new FailTask(videoId, ErrorCode.UPSTREAM_ERROR, "the provider may or may not have created the job; "
                    + "it was not resubmitted so that it is never paid twice", false, failure.providerCode(), now);
            case TRANSIENT, CONFIGURATION -> new FailTask(videoId, ErrorCode.UPSTREAM_UNAVAILABLE,
                    "no provider accepted the task: " + failure.getMessage(), true, failure.providerCode(), now);
            case UNKNOWN -> new FailTask(videoId, ErrorCode.UPSTREAM_ERROR, failure.getMessage(), false,
                    failure.providerCode(), now);
        };
    }

    /** Exponential backoff with jitter; a {@code Retry-After} is waited out in full before the backoff. */
    private Retry retrySpec(boolean idempotent) {
        return Retry.backoff(attemptsPerProvider - 1L, firstBackoff)
                .maxBackoff(maxBackoff)
                .jitter(0.5)
                .filter(e -> classify(e).retryable(idempotent))
                .doBeforeRetryAsync(signal -> {
                    Duration retryAfter = classify(signal.failure()).retryAfter();
                    return retryAfter == null ? Mono.empty() : Mono.delay(retryAfter).then();
                })
                .onRetryExhaustedThrow((spec, signal) -> signal.failure());
    }

    @Override
    public boolean poll(VideoId videoId, String providerId, String externalTaskId) {
        Map<String, Object> origin = origin(videoId);
        Instant hint = notBefore.get(videoId);
        if (hint != null && clock.instant().isBefore(hint)) {
            return false;
        }
        if (!inFlightPolls.tryAcquire()) {
            log.debug("poll of {} skipped: too many polls in flight", videoId);
            return false;
        }
        providers.retrieve(providerId, externalTaskId, videoId)
                .publishOn(commandScheduler)
                .doOnNext(job -> observe(origin, videoId, job))
                .doOnError(e -> {
                    UpstreamException failure = classify(e);
                    if (failure.kind() == UpstreamException.Kind.UNKNOWN || failure.kind() == UpstreamException.Kind.USER_ERROR) {
                        send(origin, new FailTask(videoId, ErrorCode.UPSTREAM_ERROR, "status check failed: " + failure.getMessage(),
                                false, failure.providerCode(), clock.instant()));
                    } else {
                        log.info("poll of {} on {} failed ({}); the next poll retries", videoId, providerId, failure.getMessage());
                    }
                })
                .doFinally(signal -> inFlightPolls.release())
                .onErrorResume(e -> Mono.empty())
                .subscribe();
        return true;
    }

    @Override
    public void refresh(VideoId videoId, String providerId, String externalTaskId) {
        Map<String, Object> origin = origin(videoId);
        notBefore.remove(videoId);
        providers.retrieve(providerId, externalTaskId, videoId)
                .publishOn(commandScheduler)
                .doOnNext(job -> observe(origin, videoId, job))
                .doOnError(e -> log.info("refresh of {} on {} failed: {}", videoId, providerId, e.getMessage()))
                .onErrorResume(e -> Mono.empty())
                .subscribe();
    }

    @Override
    public void finalCheck(VideoId videoId, String providerId, String externalTaskId) {
        Map<String, Object> origin = origin(videoId);
        providers.retrieve(providerId, externalTaskId, videoId)
                .publishOn(commandScheduler)
                .doOnNext(job -> {
                    if (job.state() == UpstreamJob.State.COMPLETED || job.state() == UpstreamJob.State.FAILED) {
                        observe(origin, videoId, job);
                    } else {
                        timeout(origin, videoId);
                    }
                })
                .onErrorResume(e -> Mono.fromRunnable(() -> timeout(origin, videoId)).subscribeOn(commandScheduler).then(Mono.empty()))
                .subscribe();
    }

    private void timeout(Map<String, Object> origin, VideoId videoId) {
        send(origin, new FailTask(videoId, ErrorCode.TIMEOUT, "the provider did not finish in time", true, null, clock.instant()));
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
        send(origin(videoId), new FailTask(videoId, ErrorCode.UPSTREAM_UNAVAILABLE, reason, true, null, clock.instant()));
    }

    @Override
    public void forget(VideoId videoId) {
        notBefore.remove(videoId);
        origins.remove(videoId);
    }

    /** One observation of a job becomes one command; the aggregate decides whether it is news. */
    void observe(Map<String, Object> origin, VideoId videoId, UpstreamJob job) {
        Instant now = clock.instant();
        if (job.pollAfter() != null) {
            notBefore.put(videoId, now.plus(job.pollAfter()));
        }
        switch (job.state()) {
            case QUEUED, IN_PROGRESS -> {
                if (job.progress() > 0) {
                    send(origin, new RecordProgress(videoId, job.progress(), job.state().name().toLowerCase(), now));
                }
            }
            case COMPLETED -> {
                forget(videoId);
                send(origin, new CompleteTask(videoId, job.contentUrl(), job.expiresAt(), job.seconds(), job.size(), now));
            }
            case FAILED -> {
                forget(videoId);
                boolean moderated = moderation(job.errorCode());
                send(origin, new FailTask(videoId, moderated ? ErrorCode.UPSTREAM_MODERATION : ErrorCode.UPSTREAM_ERROR,
                        moderated ? "the provider's content policy refused this request"
                                : job.errorMessage() == null ? "the provider reported a failure" : job.errorMessage(),
                        false, job.errorCode(), now));
            }
        }
    }

    private void send(Map<String, Object> origin, Object command) {
        try {
            commands.sendAndWait(GenericCommandMessage.asCommandMessage(command).andMetaData(origin));
        } catch (RuntimeException e) {
            // a rejection here (e.g. the task ended meanwhile) is expected and harmless
            log.debug("command {} not applied: {}", command.getClass().getSimpleName(), e.getMessage());
        }
    }

    private static boolean moderation(String code) {
        return code != null && MODERATION_CODES.stream().anyMatch(code.toLowerCase()::contains);
    }

    static UpstreamException classify(Throwable error) {
        if (error instanceof UpstreamException upstream) {
            return upstream;
        }
        if (error instanceof java.util.concurrent.TimeoutException) {
            return new UpstreamException(UpstreamException.Kind.AMBIGUOUS, 0, null, "timed out", null);
        }
        return new UpstreamException(UpstreamException.Kind.TRANSIENT, 0, null,
                error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage()), null);
    }
}
