package dev.reelay.kernel.event;

import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/**
 * An outcome arrived after the task had ended; kept for the audit, it changes nothing. Which fields are set depends
 * on {@link #outcome()}: the provider job for {@link Outcome#UPSTREAM_ACCEPTED}, the content location for
 * {@link Outcome#COMPLETED}, the error code and message for {@link Outcome#FAILED}; the others are null.
 * <p>
 * Revision 1 carried these as one {@code detail} string; {@code LateOutcomeUpcaster} in infra reads it into this shape.
 */
@Revision("2")
public record LateOutcomeRecorded(VideoId videoId, TaskStatus statusAtArrival, Outcome outcome, String providerId,
                                  String externalTaskId, String contentLocation, ErrorCode errorCode, String message,
                                  Instant observedAt) implements TaskEvent {

    /** What arrived late. */
    public enum Outcome {
        /** a provider accepted the job (e.g. the task was cancelled while its submission was in flight) */
        UPSTREAM_ACCEPTED,
        COMPLETED,
        FAILED
    }

    public static LateOutcomeRecorded upstreamAccepted(VideoId videoId, TaskStatus statusAtArrival, String providerId,
                                                       String externalTaskId, Instant observedAt) {
        return new LateOutcomeRecorded(videoId, statusAtArrival, Outcome.UPSTREAM_ACCEPTED, providerId, externalTaskId,
                null, null, null, observedAt);
    }

    public static LateOutcomeRecorded completed(VideoId videoId, TaskStatus statusAtArrival, String contentLocation,
                                                Instant observedAt) {
        return new LateOutcomeRecorded(videoId, statusAtArrival, Outcome.COMPLETED, null, null, contentLocation, null,
                null, observedAt);
    }

    public static LateOutcomeRecorded failed(VideoId videoId, TaskStatus statusAtArrival, ErrorCode errorCode,
                                             String message, Instant observedAt) {
        return new LateOutcomeRecorded(videoId, statusAtArrival, Outcome.FAILED, null, null, null, errorCode, message,
                observedAt);
    }

    /**
     * A provider job was accepted late, so it exists upstream and is Reelay's to delete. (Not an {@code is…} name:
     * Jackson would store it as a property.)
     */
    public boolean namesAnUpstreamJob() {
        return outcome == Outcome.UPSTREAM_ACCEPTED && providerId != null && externalTaskId != null;
    }
}
