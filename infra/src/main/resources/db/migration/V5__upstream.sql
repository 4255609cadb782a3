-- Which provider job belongs to which task (webhooks and remixes look it up).
CREATE TABLE upstream_binding (
    video_id         VARCHAR(64)              NOT NULL PRIMARY KEY,
    provider_id      VARCHAR(64)              NOT NULL,
    external_task_id VARCHAR(255)             NOT NULL,
    bound_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    UNIQUE (provider_id, external_task_id)
);

-- Append-only log of every HTTP call to a provider, with redacted summaries (never keys or raw bodies).
CREATE TABLE upstream_call (
    id               BIGSERIAL PRIMARY KEY,
    video_id         VARCHAR(64),
    provider_id      VARCHAR(64)              NOT NULL,
    operation        VARCHAR(32)              NOT NULL,
    http_status      INT,
    duration_ms      BIGINT                   NOT NULL,
    attempt          INT                      NOT NULL,
    error            TEXT,
    request_summary  TEXT,
    response_summary TEXT,
    called_at        TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX upstream_call_video_idx ON upstream_call (video_id, id);
CREATE INDEX upstream_call_time_idx ON upstream_call (called_at);

-- Standard Webhooks deliveries already handled (deduplication by webhook-id).
CREATE TABLE webhook_receipt (
    provider_id VARCHAR(64)              NOT NULL,
    webhook_id  VARCHAR(255)             NOT NULL,
    received_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (provider_id, webhook_id)
);

-- The in-process sandbox provider's jobs (kept in the database so they survive a restart like a real provider's).
CREATE TABLE sandbox_job (
    id              VARCHAR(64)              NOT NULL PRIMARY KEY,
    idempotency_key VARCHAR(255) UNIQUE,
    model           VARCHAR(255)             NOT NULL,
    prompt          TEXT                     NOT NULL,
    size            VARCHAR(32)              NOT NULL,
    seconds         INT                      NOT NULL,
    remixed_from    VARCHAR(64),
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    duration_ms     BIGINT                   NOT NULL,
    fails           BOOLEAN                  NOT NULL,
    deleted         BOOLEAN                  NOT NULL DEFAULT FALSE,
    webhook_sent    BOOLEAN                  NOT NULL DEFAULT FALSE
);
