-- Lineage pages (ADR 0006, amended): the closure row of a descendant carries what a page of a subtree is ordered and
-- filtered by, so a page is one range scan of the primary key instead of a join and sort of the whole subtree.
--   created_at  the descendant's submission time (task_view.created_at): the subtree's order is breadth first by
--               depth, then created_at, then descendant_id, and a cursor is a position in that order
--   owner       the descendant's owner (a task never changes owner)
--   owner_path  every task from the ancestor down to the descendant has the descendant's owner: what a non-admin may
--               see of a subtree (others' tasks and everything below them are left out) in one column
-- depth and created_at are functions of (ancestor_id, descendant_id), so the wider key is still one row per pair and a
-- replay's inserts still conflict with the rows already there.
--
-- The projection is rebuilt rather than back-filled: its rows are emptied and its tokens removed, so the lineage
-- processor starts again from the tail of the event store (like an admin rebuild) and writes every row with the new
-- columns from the events themselves. Until it has caught up (about a minute per million events) the route shows
-- fewer tasks, and a task not re-projected yet is a 404.
DELETE FROM task_lineage;
DELETE FROM token_entry WHERE processor_name = 'lineage';

ALTER TABLE task_lineage
    ADD COLUMN created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    ADD COLUMN owner      VARCHAR(255)             NOT NULL,
    ADD COLUMN owner_path BOOLEAN                  NOT NULL;

ALTER TABLE task_lineage DROP CONSTRAINT task_lineage_pkey;
-- a subtree, shallowest first, then oldest first: the route's order and its keyset
ALTER TABLE task_lineage ADD CONSTRAINT task_lineage_pkey PRIMARY KEY (ancestor_id, depth, created_at, descendant_id);
