package dev.reelay.kernel.event;

import dev.reelay.kernel.task.*;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/** An outcome arrived after the task had ended; kept for the audit, it changes nothing. */
@Revision("1")
public record LateOutcomeRecorded(VideoId videoId, TaskStatus statusAtArrival, String outcome, String detail, Instant observedAt) implements TaskEvent {
}
