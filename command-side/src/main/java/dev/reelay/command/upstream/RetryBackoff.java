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
}
