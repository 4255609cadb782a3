-- Per-user guardrails (issue 7): read models of the account aggregate's events (projection "accounts") and the
-- task view's place in its owner's queue.

-- The global event position of the task's TaskQueuedForSlot while it waits in Reelay; null once admitted.
ALTER TABLE task_view ADD COLUMN queued_seq BIGINT;
CREATE INDEX task_view_waiting_idx ON task_view (owner, queued_seq) WHERE queued_seq IS NOT NULL;

-- One row per user: the latest quota period anything was booked to, what is held and captured in it, the slots,
-- and the admin's own limits for the user (null: the configured default).
CREATE TABLE account_balance (
    owner               VARCHAR(255)             NOT NULL PRIMARY KEY,
    period_start        TIMESTAMP WITH TIME ZONE,
    period_end          TIMESTAMP WITH TIME ZONE,
    held                NUMERIC(19, 3)           NOT NULL DEFAULT 0,
    captured            NUMERIC(19, 3)           NOT NULL DEFAULT 0,
    active              INT                      NOT NULL DEFAULT 0,
    waiting             INT                      NOT NULL DEFAULT 0,
    max_concurrent      INT,
    quota_video_seconds NUMERIC(19, 3),
    updated_at          TIMESTAMP WITH TIME ZONE NOT NULL
);

-- One row per captured task: what it cost, for spend statistics per user and model.
CREATE TABLE spend_entry (
    video_id    VARCHAR(64)              NOT NULL PRIMARY KEY,
    owner       VARCHAR(255)             NOT NULL,
    model       VARCHAR(255)             NOT NULL,
    seconds     INT                      NOT NULL,
    captured    NUMERIC(19, 3)           NOT NULL,
    captured_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX spend_entry_owner_idx ON spend_entry (owner, captured_at);
CREATE INDEX spend_entry_time_idx ON spend_entry (captured_at);
