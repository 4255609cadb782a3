-- Read model: one row per task (projection "task-views"); rebuilt from the event store at will.
CREATE TABLE task_view (
    video_id               VARCHAR(64)              NOT NULL PRIMARY KEY,
    owner                  VARCHAR(255)             NOT NULL,
    status                 VARCHAR(16)              NOT NULL,
    progress               INT                      NOT NULL,
    prompt                 TEXT                     NOT NULL,
    model                  VARCHAR(255)             NOT NULL,
    size                   VARCHAR(32)              NOT NULL,
    seconds                INT                      NOT NULL,
    media_type             VARCHAR(16)              NOT NULL,
    reference_image_sha256 VARCHAR(64),
    provider_id            VARCHAR(255),
    external_task_id       VARCHAR(255),
    upstream_status        VARCHAR(64),
    content_location       TEXT,
    content_expires_at     TIMESTAMP WITH TIME ZONE,
    error_code             VARCHAR(64),
    error_message          TEXT,
    lineage_kind           VARCHAR(16),
    remix_from             VARCHAR(64),
    root_id                VARCHAR(64)              NOT NULL,
    depth                  INT                      NOT NULL,
    created_at             TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at             TIMESTAMP WITH TIME ZONE NOT NULL,
    completed_at           TIMESTAMP WITH TIME ZONE,
    expired_at             TIMESTAMP WITH TIME ZONE
);
-- keyset pagination per owner, newest first, with the common filters
CREATE INDEX task_view_owner_created_idx ON task_view (owner, created_at DESC, video_id DESC);
CREATE INDEX task_view_created_idx ON task_view (created_at DESC, video_id DESC);
CREATE INDEX task_view_owner_status_idx ON task_view (owner, status, created_at DESC);
CREATE INDEX task_view_remix_from_idx ON task_view (remix_from);
CREATE INDEX task_view_root_idx ON task_view (root_id);
