package dev.reelay.command.upstream;

import java.time.Duration;
import java.time.Instant;

/** What a provider said about a job, in provider-neutral terms. */
public record UpstreamJob(String externalTaskId, State state, int progress, String errorCode, String errorMessage,
                          String contentUrl, Instant expiresAt, Integer seconds, String size, Duration pollAfter) {

    /** The provider's status, normalised. */
    public enum State { QUEUED, IN_PROGRESS, COMPLETED, FAILED }
}
