package dev.reelay.command.port;

import java.time.Instant;

/** The prompt assistant's call log (ADR 0013): one row per call, kept as written. */
public interface PromptCallLog {

    /** One call: who, what was sent and answered, how it ended, what it cost, how long it took, and its trace. */
    record PromptCall(String id, String owner, String mode, String language, String model, String requestMessages,
                      String responseText, String status, Integer httpStatus, String error, Long promptTokens,
                      Long completionTokens, int attempts, long durationMs, String traceId, Instant calledAt) {
    }

    /** Stores the call and returns the SHA-256 (hex) of the stored row, which the token settlement event carries. */
    String record(PromptCall call);
}
