-- Read-your-writes for the account views (ADR 0009): the sequence number of the last account event a row shows, so
-- a write (new limits, a create's quota hold) can wait until the caller's next read sees it.
ALTER TABLE account_balance ADD COLUMN last_seq BIGINT NOT NULL DEFAULT -1;

-- Existing rows: the head of their account's stream (AccountId: 'account:<owner>', or its SHA-256 for an owner
-- longer than 200 characters). An owner whose length counts differently in Java (UTF-16 units) than here
-- (characters) keeps -1 until its next account event; a write for it waits at most reelay.consistency.write-wait.
UPDATE account_balance b
SET last_seq = coalesce((SELECT max(e.sequence_number) FROM domain_event_entry e
                         WHERE e.aggregate_identifier = CASE WHEN char_length(b.owner) <= 200
                                                             THEN 'account:' || b.owner
                                                             ELSE 'account:sha256:' || encode(sha256(convert_to(b.owner, 'UTF8')), 'hex')
                                                        END), -1);
