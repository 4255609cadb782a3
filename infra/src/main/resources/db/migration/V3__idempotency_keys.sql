-- Idempotency-Key per owner for create and remix: the same key and request replays the stored response.
CREATE TABLE idempotency_key (
    owner           VARCHAR(255)             NOT NULL,
    idem_key        VARCHAR(255)             NOT NULL,
    request_hash    CHAR(64)                 NOT NULL,
    response_status INT,
    response_body   TEXT,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (owner, idem_key)
);
CREATE INDEX idempotency_key_expires_idx ON idempotency_key (expires_at);
