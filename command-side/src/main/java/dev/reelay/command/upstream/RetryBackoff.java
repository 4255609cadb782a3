package dev.reelay.command.upstream;

import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import java.time.Duration;

/**
 * Retries of one provider call: exponential backoff with 50 % jitter, {@code attempts-per-provider} calls in all, and a
 * provider's {@code Retry-After} waited out in full before the backoff. What may be retried is decided by the
 * failure's kind: an ambiguous failure (the call may have created the job) only with an idempotency key. The prompt
 * assistant's chat calls (infra) retry by the same rule.
 */
@Component
public class RetryBackoff {

    private final UpstreamProperties settings;

    RetryBackoff(UpstreamProperties settings) {
        this.settings = settings;
    }

    int attemptsPerProvider() {
        return settings.attemptsPerProvider();
    }

    public Retry forProvider(boolean idempotencyKeys) {
        return Retry.backoff(settings.attemptsPerProvider() - 1L, settings.firstBackoff())
                .maxBackoff(settings.maxBackoff())
                .jitter(0.5)
                .filter(e -> UpstreamException.of(e).retryable(idempotencyKeys))
                .doBeforeRetryAsync(signal -> {
                    Duration retryAfter = UpstreamException.of(signal.failure()).retryAfter();
                    return retryAfter == null ? Mono.empty() : Mono.delay(retryAfter).then();
                })
                .onRetryExhaustedThrow((spec, signal) -> signal.failure());
    }

    /**
     * Reelay's own writes after a provider accepted a job (its binding): the same backoff, with more attempts, as the
     * job they record already exists.
     */
    Retry forOwnWrites() {
        return Retry.backoff(OWN_WRITE_RETRIES, settings.firstBackoff())
                .maxBackoff(settings.maxBackoff())
                .jitter(0.5);
    }

    /** Attempts after the first for {@link #forOwnWrites()}: with the defaults (1 s doubling to 30 s), about 3 minutes. */
    static final int OWN_WRITE_RETRIES = 8;
}
