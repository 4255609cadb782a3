-- Keys for signed URLs (content links a browser loads without an Authorization header). One row per purpose,
-- created by the first node that needs it (INSERT ... ON CONFLICT DO NOTHING, then read back), so every node that
-- shares this database signs and verifies with the same key.
CREATE TABLE url_signing_key (
    purpose    VARCHAR(64)              NOT NULL PRIMARY KEY,
    secret     BYTEA                    NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);
