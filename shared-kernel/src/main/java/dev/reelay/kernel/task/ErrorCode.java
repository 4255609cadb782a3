package dev.reelay.kernel.task;

/** Typed reasons a request or command is refused, or a task fails; infra maps them to HTTP statuses. */
public enum ErrorCode {
    // rejections of commands
    TASK_NOT_FOUND,
    TASK_ALREADY_EXISTS,
    TASK_ALREADY_TERMINAL,
    REMIX_SOURCE_NOT_COMPLETED,
    INVALID_TRANSITION,
    /** another node changed the same aggregate at the same moment; nothing was stored, retrying is safe */
    CONCURRENT_UPDATE,
    // request validation
    VALIDATION_FAILED,
    MALFORMED_REQUEST,
    PAYLOAD_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    IDEMPOTENCY_KEY_REUSED,
    IDEMPOTENCY_KEY_IN_USE,
    QUOTA_EXCEEDED,
    /** a signed content link that is expired, tampered with, or for another task or variant */
    SIGNED_URL_INVALID,
    /** a {@code Range} header that is malformed or lies beyond the content */
    RANGE_NOT_SATISFIABLE,
    /** the caller already holds as many live streams as one user may */
    TOO_MANY_STREAMS,
    /** the caller already holds as many unused stream tickets as one user may */
    TOO_MANY_STREAM_TICKETS,
    /** every replay worker and queue slot is taken; resuming later is safe */
    REPLAY_BUSY,
    /** the prompt assistant has no upstream configured ({@code reelay.llm.base-url}, {@code reelay.llm.model}) */
    LLM_NOT_CONFIGURED,
    /** the prompt assistant's upstream failed, timed out or answered nonsense after its retries */
    LLM_UNAVAILABLE,
    /** keys cannot be managed at run time: no master key is configured */
    MASTER_KEY_MISSING,
    /** no provider with that id is configured */
    PROVIDER_NOT_FOUND,
    // task failures
    UPSTREAM_REJECTED,
    UPSTREAM_MODERATION,
    UPSTREAM_ERROR,
    UPSTREAM_UNAVAILABLE,
    TIMEOUT,
    CANCELLED
}
