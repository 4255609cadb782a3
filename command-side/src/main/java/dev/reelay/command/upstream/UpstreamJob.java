package dev.reelay.command.upstream;

import java.time.Duration;
import java.time.Instant;

/**
 * What a provider said about a job, in provider-neutral terms. {@code queuePosition} is the provider's own queue
 * place while the job waits (fal), or null.
 */
public record UpstreamJob(String externalTaskId, State state, int progress, String errorCode, String errorMessage,
                          String contentUrl, Instant expiresAt, Integer seconds, String size, Duration pollAfter,
                          Integer queuePosition) {

    /** A job without a queue place: formats that do not report one. */
    public UpstreamJob(String externalTaskId, State state, int progress, String errorCode, String errorMessage,
                       String contentUrl, Instant expiresAt, Integer seconds, String size, Duration pollAfter) {
        this(externalTaskId, state, progress, errorCode, errorMessage, contentUrl, expiresAt, seconds, size, pollAfter, null);
    }

    /** The provider's status, normalised. */
    public enum State { QUEUED, IN_PROGRESS, COMPLETED, FAILED }
}
