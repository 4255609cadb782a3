-- Per-user and per-address create limits shared by every node: one Bucket4j token bucket per key (its state
-- serialised by Bucket4j, updated under SELECT ... FOR UPDATE), expires_at (epoch ms) set when a full refill would
-- be reached, after which the row is dropped by a db-scheduler housekeeping task.
CREATE TABLE rate_limit_bucket (
    id         VARCHAR(320) NOT NULL PRIMARY KEY,
    state      BYTEA,
    expires_at BIGINT
);
CREATE INDEX rate_limit_bucket_expires_idx ON rate_limit_bucket (expires_at);

-- The dev issuer's signing key (default profile only), made by the first node that needs it and read by the others,
-- so a token minted on one node is accepted by every node on this database. A JWK with its private part.
CREATE TABLE dev_issuer_key (
    purpose    VARCHAR(64)              NOT NULL PRIMARY KEY,
    jwk        TEXT                     NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);

-- The nodes on this database: each node upserts its row every few seconds and deletes it when it stops. A node
-- whose row has not been refreshed within reelay.cluster.node-timeout is gone. Segments are shared out by it, and
-- GET /api/admin/cluster lists the nodes from it.
CREATE TABLE cluster_node (
    node_id    VARCHAR(255)             NOT NULL PRIMARY KEY,
    started_at TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen  TIMESTAMP WITH TIME ZONE NOT NULL
);
