-- Idempotency-Keys are scoped per route family ('api': /api/video/*, 'openai': /v1/videos): the same key on both
-- is two requests, each replayed in its own route's shape (issue 20, item 10).
ALTER TABLE idempotency_key ADD COLUMN route_family VARCHAR(16);
-- keys stored before: the seed routes answer with the {"success":…} envelope, the OpenAI routes with a video object
UPDATE idempotency_key SET route_family = CASE
    WHEN response_body IS NULL OR response_body LIKE '{"success"%' THEN 'api' ELSE 'openai' END;
ALTER TABLE idempotency_key ALTER COLUMN route_family SET NOT NULL;
ALTER TABLE idempotency_key DROP CONSTRAINT idempotency_key_pkey;
ALTER TABLE idempotency_key ADD PRIMARY KEY (owner, route_family, idem_key);
