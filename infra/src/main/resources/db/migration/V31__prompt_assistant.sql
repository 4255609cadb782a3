-- The prompt assistant (issue 22). Its call log is rows, not events (ADR 0013): one row per call, written once,
-- with the SHA-256 of its content in `digest`; the account's TokensCaptured/TokensReleased event carries the same
-- digest, so the audit chain over events vouches for the row.
CREATE TABLE prompt_call (
    id                VARCHAR(36)              NOT NULL PRIMARY KEY,
    owner             VARCHAR(255)             NOT NULL,
    mode              VARCHAR(16)              NOT NULL,
    language          VARCHAR(64),
    model             VARCHAR(255)             NOT NULL,
    request_messages  TEXT                     NOT NULL,
    response_text     TEXT,
    status            VARCHAR(16)              NOT NULL,
    http_status       INT,
    error             TEXT,
    prompt_tokens     BIGINT,
    completion_tokens BIGINT,
    attempts          INT                      NOT NULL,
    duration_ms       BIGINT                   NOT NULL,
    trace_id          VARCHAR(100),
    called_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    digest            CHAR(64)                 NOT NULL
);
CREATE INDEX prompt_call_owner_idx ON prompt_call (owner, called_at DESC, id DESC);
CREATE INDEX prompt_call_time_idx ON prompt_call (called_at DESC, id DESC);

-- The token side of the quota ledger in the accounts projection: the latest period tokens were booked to, and
-- what is held and captured in it (the admin's per-user limits do not cover tokens: the configured quota applies).
ALTER TABLE account_balance ADD COLUMN token_period_start TIMESTAMP WITH TIME ZONE;
ALTER TABLE account_balance ADD COLUMN tokens_held BIGINT NOT NULL DEFAULT 0;
ALTER TABLE account_balance ADD COLUMN tokens_captured BIGINT NOT NULL DEFAULT 0;

-- One row per answered call: what it cost, for token spend per user and model.
CREATE TABLE token_spend (
    call_id           VARCHAR(36)              NOT NULL PRIMARY KEY,
    owner             VARCHAR(255)             NOT NULL,
    model             VARCHAR(255)             NOT NULL,
    prompt_tokens     BIGINT                   NOT NULL,
    completion_tokens BIGINT                   NOT NULL,
    captured_at       TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX token_spend_owner_idx ON token_spend (owner, captured_at);
CREATE INDEX token_spend_time_idx ON token_spend (captured_at);
