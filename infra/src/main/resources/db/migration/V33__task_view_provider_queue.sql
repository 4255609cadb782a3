-- The task's place in the provider's own queue (fal reports one), from its latest ProgressUpdated; null otherwise.
ALTER TABLE task_view ADD COLUMN provider_queue_position INT;
