-- Tamper evidence (ADR 0011): a hash chain over every committed event, in global_index order, kept beside Axon's
-- domain_event_entry (which stays exactly as Axon writes it), and signed checkpoints of the chain's head.
--
-- audit_chain: one row per chained event. entry_digest is the SHA-256 of the event's stored columns (canonical
-- encoding in ChainedEvent), chain_hash = SHA-256(previous chain_hash || entry_digest), the first one over 32 zero
-- bytes. Only the single chaining step (a db-scheduler task under an advisory lock) inserts here; nothing updates or
-- deletes. position is the event's global_index: positions a rolled-back transaction used are skipped, not chained.
CREATE TABLE audit_chain (
    position         BIGINT                   NOT NULL PRIMARY KEY,
    event_identifier VARCHAR(255)             NOT NULL,
    entry_digest     BYTEA                    NOT NULL,
    chain_hash       BYTEA                    NOT NULL,
    chained_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

-- audit_checkpoint: the chain's head at a moment, signed (a compact JWS, ES256) with a key that is read from a file
-- named in configuration and never stored in the database; key_id is the RFC 7638 thumbprint of its public key.
CREATE TABLE audit_checkpoint (
    position   BIGINT                   NOT NULL PRIMARY KEY,
    chain_hash BYTEA                    NOT NULL,
    events     BIGINT                   NOT NULL,
    taken_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    key_id     VARCHAR(128)             NOT NULL,
    jws        TEXT                     NOT NULL
);
