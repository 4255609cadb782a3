-- Read model: the closure table of remix lineage (projection "lineage", ADR 0006). One row per (ancestor, descendant)
-- pair, including each task with itself at depth 0; a task at depth d below its root has d + 1 rows as descendant.
CREATE TABLE task_lineage (
    ancestor_id   VARCHAR(64) NOT NULL,
    descendant_id VARCHAR(64) NOT NULL,
    depth         INT         NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
-- a task's ancestors, nearest or farthest first (the primary key serves a task's subtree)
CREATE INDEX task_lineage_descendant_idx ON task_lineage (descendant_id, depth);
