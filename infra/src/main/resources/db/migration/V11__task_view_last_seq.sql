-- Read-your-writes (ADR 0009): each row records the sequence number of the last event of its own task that the
-- task-views projection applied. A write waits until its task's row has reached the event store's head for that
-- task, and a single-task read folds the task's events itself when the row is missing or behind.
ALTER TABLE task_view ADD COLUMN last_seq BIGINT NOT NULL DEFAULT -1;
-- rows projected before this column existed are as current as their task's stream
UPDATE task_view v SET last_seq = e.head
FROM (SELECT aggregate_identifier, max(sequence_number) AS head FROM domain_event_entry GROUP BY aggregate_identifier) e
WHERE e.aggregate_identifier = v.video_id;
