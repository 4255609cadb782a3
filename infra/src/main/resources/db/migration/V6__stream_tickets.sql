-- Short-lived, single-use tickets that let a browser's EventSource open an SSE stream without a JWT in the URL.
CREATE TABLE stream_ticket (
    ticket_hash CHAR(64)                 NOT NULL PRIMARY KEY,
    subject     VARCHAR(255)             NOT NULL,
    roles       VARCHAR(255)             NOT NULL,
    expires_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX stream_ticket_expires_idx ON stream_ticket (expires_at);
