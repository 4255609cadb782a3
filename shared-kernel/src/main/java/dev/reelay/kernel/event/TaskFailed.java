package dev.reelay.kernel.event;

import dev.reelay.kernel.task.*;
import org.axonframework.serialization.Revision;

import java.time.Instant;

/** The job failed; {@code providerCode} keeps the provider's own code for the audit. */
@Revision("1")
public record TaskFailed(VideoId videoId, ErrorCode errorCode, String message, boolean retryable, String providerCode, Instant failedAt) implements TaskEvent {
}
