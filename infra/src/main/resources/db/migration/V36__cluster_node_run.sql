-- A node's run: made anew each time a node starts (its node_id, pid@host, may come back after a restart). A
-- submission round records the run that started it; the saga hands a round on when that run's row is gone (the node
-- stopped) or stale (the node died), instead of waiting out the submission watchdog.
ALTER TABLE cluster_node ADD COLUMN run_id VARCHAR(96);
