-- Outbound webhooks for client systems (issue 17 §4).
--
-- webhook_endpoint: a user's receiver. Its signing secret must be usable to sign (HMAC needs the secret itself, a hash
-- would not do), so it is stored encrypted (AES-GCM: 12-byte nonce, then ciphertext and tag) under a key kept outside
-- this table; during a rotation the previous secret signs too, until previous_secret_until.
CREATE TABLE webhook_endpoint (
    id                    VARCHAR(40)              NOT NULL PRIMARY KEY,
    owner                 VARCHAR(255)             NOT NULL,
    url                   VARCHAR(2048)            NOT NULL,
    events                VARCHAR(512)             NOT NULL, -- comma-separated event types
    description           VARCHAR(500),
    secret                BYTEA                    NOT NULL,
    previous_secret       BYTEA,
    previous_secret_until TIMESTAMP WITH TIME ZONE,
    enabled               BOOLEAN                  NOT NULL,
    disabled_reason       VARCHAR(16),                       -- MANUAL or FAILING
    consecutive_failures  INTEGER                  NOT NULL DEFAULT 0,
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at            TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX webhook_endpoint_owner ON webhook_endpoint (owner);

-- The task as the webhook feed last saw it (owner and the seed fields a delivery carries), kept by the feed's own
-- processor in its token's transaction, so a delivery's body shows the task as of its event, not as of "now".
CREATE TABLE webhook_task (
    video_id VARCHAR(64)  NOT NULL PRIMARY KEY,
    owner    VARCHAR(255) NOT NULL,
    data     TEXT         NOT NULL
);

-- The persistent queue: one row per (endpoint, event), the body fixed at enqueue time. A row is claimed by a lease
-- (claimed with FOR UPDATE SKIP LOCKED, sent outside any transaction); a row whose lease ran out, because its node
-- died mid-send, is claimed again (at least once). Per endpoint and task only the oldest PENDING row is due.
CREATE TABLE webhook_delivery (
    id               VARCHAR(40)              NOT NULL PRIMARY KEY, -- the webhook-id header
    endpoint_id      VARCHAR(40)              NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
    owner            VARCHAR(255)             NOT NULL,
    event_id         VARCHAR(64)              NOT NULL,
    event_type       VARCHAR(32)              NOT NULL,
    video_id         VARCHAR(64)              NOT NULL,
    position         BIGINT                   NOT NULL,             -- the event's place in the store: order per task
    payload          TEXT                     NOT NULL,
    status           VARCHAR(16)              NOT NULL,             -- PENDING, DELIVERED, FAILED
    attempts         INTEGER                  NOT NULL DEFAULT 0,
    step             INTEGER                  NOT NULL DEFAULT 0,   -- failures since it was (re)queued
    next_attempt_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    lease_until      TIMESTAMP WITH TIME ZONE,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    last_attempt_at  TIMESTAMP WITH TIME ZONE,
    last_status_code INTEGER,
    CONSTRAINT webhook_delivery_once UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX webhook_delivery_task ON webhook_delivery (endpoint_id, video_id, position) WHERE status = 'PENDING';
CREATE INDEX webhook_delivery_log ON webhook_delivery (owner, created_at);

-- Every attempt: what the receiver answered (status, first 1 KB), or why nothing was answered.
CREATE TABLE webhook_attempt (
    id               BIGSERIAL                NOT NULL PRIMARY KEY,
    delivery_id      VARCHAR(40)              NOT NULL REFERENCES webhook_delivery (id) ON DELETE CASCADE,
    attempted_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    status_code      INTEGER,
    latency_ms       BIGINT                   NOT NULL,
    response_excerpt TEXT,
    error            VARCHAR(255)
);
CREATE INDEX webhook_attempt_delivery ON webhook_attempt (delivery_id, attempted_at);
