package dev.reelay.command.upstream;

import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The upstream providers as the saga needs them: routing by model, and non-blocking calls. Implemented in infra by
 * per-format HTTP adapters; errors arrive as {@link UpstreamException} with a classification.
 */
public interface UpstreamProviders {

    /** Providers serving this model, best first. */
    List<ProviderRoute> routesFor(String model);

    /**
     * Providers serving this request (its model with its size, duration and image), best first; an adapter may record
     * which it chose and why. By default, by model alone.
     */
    default List<ProviderRoute> routesFor(VideoId videoId, TaskSpec spec) {
        return routesFor(spec.model());
    }

    Optional<ProviderRoute> route(String providerId);

    /** Creates a job; {@code videoId} is sent as the idempotency key where the provider honours one. */
    Mono<UpstreamJob> create(String providerId, VideoId videoId, TaskSpec spec, int attempt);

    /** Creates a remix of an upstream job on the provider that made it. */
    Mono<UpstreamJob> remix(String providerId, String sourceExternalId, VideoId videoId, TaskSpec spec, int attempt);

    Mono<UpstreamJob> retrieve(String providerId, String externalTaskId, VideoId videoId);

    Mono<Void> delete(String providerId, String externalTaskId, VideoId videoId);

    /**
     * Indexes which upstream job belongs to a task, before the acceptance command is sent: a webhook for the job may
     * arrive before {@code UpstreamTaskAccepted} is stored, which owns the binding (ADR 0010). The first binding stays.
     */
    void bind(VideoId videoId, String providerId, String externalTaskId);

    Optional<Binding> bindingOf(VideoId videoId);

    /** A provider's routing and timing settings. */
    record ProviderRoute(String id, int priority, boolean idempotencyKeys, boolean webhooks, Duration pollInitial,
                         Duration pollMin, Duration pollMax, Duration webhookSafetyPoll, Duration giveUpAfter,
                         Duration submitBudget) {
    }

    /** Which provider job a task is bound to. */
    record Binding(String providerId, String externalTaskId) {
    }
}
