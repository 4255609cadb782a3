package dev.reelay.command.upstream;

import dev.reelay.kernel.command.CompleteTask;
import dev.reelay.kernel.command.FailTask;
import dev.reelay.kernel.command.RecordProgress;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.VideoId;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a provider's answer (a job's state, or a classified failure) means for the task, as the command that tells
 * the aggregate. Decisions only: nothing here calls or sends.
 */
final class ProviderAnswers {

    /**
     * Providers name a content-policy refusal in their error code, in their own words: any code containing one of
     * these is a moderation refusal. Only the machine-readable code is read, never a message.
     */
    private static final Set<String> MODERATION_CODES = Set.of("moderation_blocked", "content_policy_violation",
            "content_filter", "moderation", "safety");

    private ProviderAnswers() {
    }

    /** One observation of a job; empty when it says nothing new (queued or running without progress or queue place). */
    static Optional<Object> commandFor(VideoId videoId, UpstreamJob job, Instant now) {
        return switch (job.state()) {
            case QUEUED, IN_PROGRESS -> job.progress() > 0 || job.queuePosition() != null
                    ? Optional.of(new RecordProgress(videoId, job.progress(), job.state().name().toLowerCase(Locale.ROOT), now,
                    job.queuePosition()))
                    : Optional.empty();
            case COMPLETED -> Optional.of(new CompleteTask(videoId, job.contentUrl(), job.expiresAt(), job.seconds(),
                    job.size(), now));
            case FAILED -> {
                boolean moderated = moderation(job.errorCode());
                yield Optional.of(new FailTask(videoId, moderated ? ErrorCode.UPSTREAM_MODERATION : ErrorCode.UPSTREAM_ERROR,
                        moderated ? "the provider's content policy refused this request"
                                : job.errorMessage() == null ? "the provider reported a failure" : job.errorMessage(),
                        false, job.errorCode(), now));
            }
        };
    }

    /** The last provider tried refused or failed the submission. */
    static FailTask submissionFailed(VideoId videoId, UpstreamException failure, boolean idempotent, Instant now) {
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

    /**
     * A status call failed. Only a failure that will not go away by asking again (the provider does not know the job,
     * or answers something unknown) fails the task; anything else is left to the next poll.
     */
    static Optional<FailTask> statusCheckFailed(VideoId videoId, UpstreamException failure, Instant now) {
        if (failure.kind() == UpstreamException.Kind.UNKNOWN || failure.kind() == UpstreamException.Kind.USER_ERROR) {
            return Optional.of(new FailTask(videoId, ErrorCode.UPSTREAM_ERROR, "status check failed: " + failure.getMessage(),
                    false, failure.providerCode(), now));
        }
        return Optional.empty();
    }

    static FailTask noProvider(VideoId videoId, boolean remix, String model, Instant now) {
        return new FailTask(videoId, ErrorCode.UPSTREAM_UNAVAILABLE,
                remix ? "the provider that made the remix source is not configured" : "no provider serves model " + model,
                false, null, now);
    }

    static FailTask timedOut(VideoId videoId, Instant now) {
        return new FailTask(videoId, ErrorCode.TIMEOUT, "the provider did not finish in time", true, null, now);
    }

    static FailTask submissionGivenUp(VideoId videoId, String reason, Instant now) {
        return new FailTask(videoId, ErrorCode.UPSTREAM_UNAVAILABLE, reason, true, null, now);
    }

    private static boolean moderation(String code) {
        return code != null && MODERATION_CODES.stream().anyMatch(code.toLowerCase(Locale.ROOT)::contains);
    }
}
