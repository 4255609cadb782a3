-- Read model: pre-aggregated task statistics, kept by the "task-views" projection in the same transaction as task_view
-- (and rebuilt with it by a replay), so GET /api/video/stats reads a few rows instead of every task.
--
-- Seconds to complete (completed_at - created_at of COMPLETED tasks) go into fixed buckets: bucket i (1-based) holds
-- [bound i, bound i+1) of the bounds below (0, then the R10 preferred numbers 1 .. 80,000 s, then 100,000 s and up).
-- Neighbouring bounds differ by at most a factor 1.28, so a percentile estimated from the buckets is within that
-- bucket width of the exact one. StatsQueries/SecondsHistogram hold the same bounds (a test checks they agree).
CREATE FUNCTION task_stats_bucket(seconds DOUBLE PRECISION) RETURNS INT
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT greatest(1, width_bucket(seconds, '{0,1,1.25,1.6,2,2.5,3.15,4,5,6.3,8,10,12.5,16,20,25,31.5,40,50,63,80,100,125,160,200,250,315,400,500,630,800,1000,1250,1600,2000,2500,3150,4000,5000,6300,8000,10000,12500,16000,20000,25000,31500,40000,50000,63000,80000,100000}'::DOUBLE PRECISION[]))
$$;

-- element-wise sum of two histograms (of any lengths; a histogram stops at its last used bucket)
CREATE FUNCTION task_stats_add(a INT[], b INT[]) RETURNS INT[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i), '{}')
FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
$$;

CREATE AGGREGATE task_stats_sum(INT[]) (SFUNC = task_stats_add, STYPE = INT[], INITCOND = '{}');

-- one row per owner, UTC creation hour, model, provider and status; provider_id '' = no provider accepted it yet.
-- count can reach 0 when tasks move on: readers sum and skip zeros.
CREATE TABLE task_stats (
    owner             VARCHAR(255)             NOT NULL,
    hour              TIMESTAMP WITH TIME ZONE NOT NULL,
    model             VARCHAR(255)             NOT NULL,
    provider_id       VARCHAR(255)             NOT NULL,
    status            VARCHAR(16)              NOT NULL,
    count             BIGINT                   NOT NULL,
    seconds_histogram INT[]                    NOT NULL DEFAULT '{}',
    PRIMARY KEY (owner, hour, model, provider_id, status)
);
-- every owner over a range of hours (the primary key serves one owner over a range)
CREATE INDEX task_stats_hour_idx ON task_stats (hour);

-- the same over every owner per UTC day: what an admin's all-owner statistics read for whole days (an owner-and-hour
-- row often holds a single task, so summing those over every owner would cost about as much as task_view itself)
CREATE TABLE task_stats_day (
    day               DATE                     NOT NULL,
    model             VARCHAR(255)             NOT NULL,
    provider_id       VARCHAR(255)             NOT NULL,
    status            VARCHAR(16)              NOT NULL,
    count             BIGINT                   NOT NULL,
    seconds_histogram INT[]                    NOT NULL DEFAULT '{}',
    PRIMARY KEY (day, model, provider_id, status)
);

-- The definition of task_stats computed from task_view: what the backfill below inserts, what tests compare the
-- projection with, and how to refill the tables after rows were loaded into task_view by hand.
CREATE VIEW task_stats_exact AS
SELECT owner,
       date_trunc('hour', created_at, 'UTC') AS hour,
       model,
       coalesce(provider_id, '') AS provider_id,
       status,
       count(*) AS count,
       task_stats_sum(CASE WHEN status = 'COMPLETED' AND completed_at IS NOT NULL
                           THEN array_fill(0, ARRAY[task_stats_bucket(extract(epoch FROM completed_at - created_at)::DOUBLE PRECISION) - 1]) || 1
                      END) AS seconds_histogram
FROM task_view
GROUP BY 1, 2, 3, 4, 5;

-- backfill: an upgraded deployment has correct statistics without a replay
INSERT INTO task_stats (owner, hour, model, provider_id, status, count, seconds_histogram)
SELECT owner, hour, model, provider_id, status, count, seconds_histogram FROM task_stats_exact;

INSERT INTO task_stats_day (day, model, provider_id, status, count, seconds_histogram)
SELECT (hour AT TIME ZONE 'UTC')::DATE, model, provider_id, status, sum(count), task_stats_sum(seconds_histogram)
FROM task_stats
GROUP BY 1, 2, 3, 4;
