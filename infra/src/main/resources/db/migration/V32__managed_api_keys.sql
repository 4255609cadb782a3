-- Upstream keys set by an admin at run time (issue 22), envelope-encrypted: `ciphertext` is the key under a fresh
-- AES-256-GCM data key, `wrapped_key` that data key under the master key named by `master_key_id`; both carry their
-- nonce in front and are bound to `scope`. `version` grows with every change, so nodes poll it to see rotations.
CREATE SEQUENCE managed_api_key_version START WITH 1 INCREMENT BY 1;
CREATE TABLE managed_api_key (
    scope         VARCHAR(80)              NOT NULL PRIMARY KEY,
    ciphertext    BYTEA                    NOT NULL,
    wrapped_key   BYTEA                    NOT NULL,
    master_key_id VARCHAR(8)               NOT NULL,
    fingerprint   VARCHAR(8)               NOT NULL,
    version       BIGINT                   NOT NULL,
    updated_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_by    VARCHAR(255)             NOT NULL
);
