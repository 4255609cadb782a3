#!/usr/bin/env bash
# Benchmark 6: read routes at scale. Bulk-inserts ROWS task_view rows spread over OWNERS owners directly with SQL
# (generate_series; no events behind them: this measures the read side only), then times, sequentially (one client,
# REQUESTS measured requests after WARMUP warm-up requests, at most 15 s):
#   list first page   GET /api/video/tasks?limit=20                        (one owner)
#   list next page    GET /api/video/tasks?limit=20&cursor=<nextCursor>    (one owner)
#   list by status    GET /api/video/tasks?status=COMPLETED&limit=20       (one owner)
#   list with total   GET /api/video/tasks?page=0&size=20                  (one owner; runs count(*))
#   admin list        GET /api/video/tasks?limit=20                        (admin: every owner)
#   admin with total  GET /api/video/tasks?page=0&size=20                  (admin: count(*) over every owner)
#   health floor      GET /actuator/health  (no auth, no SQL: what the machine's load alone costs a request)
#   one task          GET /api/video/tasks/{id}
#   stats             GET /api/video/stats      (only if the route exists in this build; else reported as pending)
#   lineage           GET /api/video/tasks/{id}/lineage on a 10,001-node tree of depth 1,000 (only if the
#                     task_lineage closure table and the route exist; else reported as pending): the whole tree from
#                     the root, a page of 1,000 (?maxNodes=1000), the next page (&after=<cursor>), the root's children
#                     (?maxDepth=1&maxNodes=100), and the whole lineage from the deepest and a middle node
# and runs EXPLAIN (ANALYZE, BUFFERS) of the SQL shapes of TaskQueries.list (query-side .../tasks/TaskQueries.java).
#
# Knobs: ROWS=1000000 OWNERS=1000 REQUESTS=200 WARMUP=300 LINEAGE_DEPTH=1000 LINEAGE_NODES=10000
# Bounded: the bulk load takes ~1-3 min for 1,000,000 rows; every timed case is at most REQUESTS requests / 120 s.
. "$(dirname "$0")/lib/common.sh"

ROWS="${ROWS:-1000000}"
OWNERS="${OWNERS:-1000}"
REQUESTS="${REQUESTS:-200}"
WARMUP="${WARMUP:-300}"   # per case, within 15 s: both JVMs (app and load generator) start cold for each case
LINEAGE_DEPTH="${LINEAGE_DEPTH:-1000}"
LINEAGE_NODES="${LINEAGE_NODES:-10000}"
OWNER="owner-$(printf '%04d' $((OWNERS / 2)))"

machine_info
pg_start
createdb_bench reelay
app_start read reelay --reelay.sandbox.job-duration=1h
sql() { psql_db reelay "$@"; }

log "bulk insert: $ROWS task_view rows over $OWNERS owners"
t0=$(date +%s)
sql -c "insert into task_view (video_id, owner, status, progress, prompt, model, size, seconds, media_type,
          provider_id, external_task_id, upstream_status, root_id, depth, created_at, updated_at, completed_at,
          content_location, error_code, error_message)
        select 'video_' || md5('bulk' || g)::uuid,
               'owner-' || lpad((g % $OWNERS)::text, 4, '0'),
               case when g % 10 < 7 then 'COMPLETED' when g % 10 = 7 then 'FAILED' when g % 10 = 8 then 'CANCELLED'
                    else 'PROCESSING' end,
               case when g % 10 < 7 then 100 else g % 100 end,
               'bulk prompt ' || g || ': a red fox running through fresh snow at dawn, cinematic, 35mm film look',
               (array['sora-2','sora-2-pro','sora_video2'])[1 + g % 3], '720x1280', 4, 'VIDEO',
               'sandbox', 'video_' || md5('ext' || g), null,
               'video_' || md5('bulk' || g)::uuid, 0,
               now() - (g * interval '31 seconds'), now() - (g * interval '31 seconds') + interval '90 seconds',
               case when g % 10 < 7 then now() - (g * interval '31 seconds') + interval '90 seconds' end,
               null,
               case when g % 10 = 7 then 'UPSTREAM_ERROR' end,
               case when g % 10 = 7 then 'the provider reported a failure' end
        from generate_series(1, $ROWS) g"
sql -c "vacuum analyze task_view"
# the rows have no events behind them, so the task-views projection never saw them: refill the stats rollup (V9)
# from them the way the migration's backfill does, or the stats cases would read an empty rollup
if [ "$(sql -c "select count(*) from information_schema.views where table_name = 'task_stats_exact'")" = 1 ]; then
  t1=$(date +%s)
  sql -c "delete from task_stats; delete from task_stats_day;
          insert into task_stats (owner, hour, model, provider_id, status, count, seconds_histogram)
            select owner, hour, model, provider_id, status, count, seconds_histogram from task_stats_exact;
          insert into task_stats_day (day, model, provider_id, status, count, seconds_histogram)
            select (hour at time zone 'UTC')::date, model, provider_id, status, sum(count), task_stats_sum(seconds_histogram)
            from task_stats group by 1, 2, 3, 4"
  sql -c "vacuum analyze task_stats" -c "vacuum analyze task_stats_day"
  log "stats rollup refilled in $(( $(date +%s) - t1 )) s: $(sql -c "select count(*) from task_stats") owner-hour rows, $(sql -c "select count(*) from task_stats_day") day rows"
fi
log "bulk insert + vacuum analyze took $(( $(date +%s) - t0 )) s; task_view: $(sql -c "select count(*) || ' rows, ' || pg_size_pretty(pg_total_relation_size('task_view')) || ' with indexes' from task_view")"

TOKEN="$(token "$APP_URL" "$OWNER")"
ADMIN="$(token "$APP_URL" bench-admin admin)"
FIRST=$(curl -fs "$APP_URL/api/video/tasks?limit=20" -H "Authorization: Bearer $TOKEN")
CURSOR=$(echo "$FIRST" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["nextCursor"])')
ONE=$(echo "$FIRST" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["items"][0]["videoId"])')
ITEMS=$(echo "$FIRST" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["items"]))')
log "first page for $OWNER has $ITEMS items"
API_PATHS=$(curl -fs "$APP_URL/v3/api-docs" | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["paths"]))' || true)

echo "case requests p50_ms p95_ms p99_ms max_ms errors" > "$BENCH_OUT/summary.tsv"
timed() { # timed <case> <path> <token> [expect]
  local name="$1" path="$2" tok="$3" expect="${4:-200}"
  loadgen --url "$APP_URL$path" --header "Authorization: Bearer $tok" --concurrency 1 --duration 15 \
    --max-requests "$WARMUP" --expect "$expect" --label "warmup-$name" > /dev/null
  loadgen --url "$APP_URL$path" --header "Authorization: Bearer $tok" --concurrency 1 --duration 120 \
    --max-requests "$REQUESTS" --expect "$expect" --label "$name" --out "$BENCH_OUT/read-$name.json" > /dev/null
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2], r["measured_ok"], r["p50_ms"], r["p95_ms"], r["p99_ms"], r["max_ms"], r["errors_or_unexpected"])' \
    "$BENCH_OUT/read-$name.json" "$name" | tee -a "$BENCH_OUT/summary.tsv" >&2
}

timed health-floor "/actuator/health" "$TOKEN"   # no auth, no SQL: the floor the machine's load sets
timed list-first-page "/api/video/tasks?limit=20" "$TOKEN"
timed list-next-page "/api/video/tasks?limit=20&cursor=$CURSOR" "$TOKEN"
timed list-status-completed "/api/video/tasks?status=COMPLETED&limit=20" "$TOKEN"
timed list-page-with-total "/api/video/tasks?page=0&size=20" "$TOKEN"
timed admin-list-all-owners "/api/video/tasks?limit=20" "$ADMIN"
timed admin-page-with-total-all-owners "/api/video/tasks?page=0&size=20" "$ADMIN"
timed get-one-task "/api/video/tasks/$ONE" "$TOKEN"

if echo "$API_PATHS" | grep -qx '/api/video/stats'; then
  timed stats-owner "/api/video/stats" "$TOKEN"
  timed stats-all-owners "/api/video/stats?all=true" "$ADMIN"
else
  echo "stats PENDING: no /api/video/stats route in this build" | tee -a "$BENCH_OUT/pending.txt" >&2
fi

# ---------------------------------------------------------------- lineage (closure table), if present
has_lineage=$(sql -c "select count(*) from information_schema.columns where table_name = 'task_lineage'
                      and column_name in ('ancestor_id', 'descendant_id', 'depth')")
lineage_route=$(echo "$API_PATHS" | grep -E '^/api/video/tasks/\{[^}]+\}/lineage$' || true)
if [ "$has_lineage" = 3 ] && [ -n "$lineage_route" ]; then
  LEAVES=$((LINEAGE_NODES - LINEAGE_DEPTH))
  log "lineage: building a tree of $((LINEAGE_DEPTH + 1 + LEAVES)) nodes: a chain of depth $LINEAGE_DEPTH plus $LEAVES direct remixes of the root"
  t0=$(date +%s)
  # node ids: chain node i (0 = root) and leaf k, as well-formed video ids
  sql -c "create temp table lin_nodes as
            select 'video_' || md5('chain' || i)::uuid as id, i as depth,
                   case when i = 0 then null else 'video_' || md5('chain' || (i - 1))::uuid end as parent
            from generate_series(0, $LINEAGE_DEPTH) i
            union all
            select 'video_' || md5('leaf' || k)::uuid, 1, 'video_' || md5('chain0')::uuid
            from generate_series(1, $LEAVES) k;
          insert into task_view (video_id, owner, status, progress, prompt, model, size, seconds, media_type,
                                 lineage_kind, remix_from, root_id, depth, created_at, updated_at, completed_at)
            select id, '$OWNER', 'COMPLETED', 100, 'lineage node', 'sora-2', '720x1280', 4, 'VIDEO',
                   case when parent is null then null else 'REMIX' end, parent, 'video_' || md5('chain0')::uuid, depth,
                   now() - interval '1 day' + depth * interval '1 second', now(), now()
            from lin_nodes;
          insert into task_lineage (ancestor_id, descendant_id, depth, created_at, owner, owner_path)
            select c.ancestor_id, c.descendant_id, c.depth, v.created_at, v.owner, true
            from (select 'video_' || md5('chain' || j)::uuid as ancestor_id, 'video_' || md5('chain' || i)::uuid as descendant_id,
                         i - j as depth
                  from generate_series(0, $LINEAGE_DEPTH) i, generate_series(0, i) j
                  union all
                  select 'video_' || md5('leaf' || k)::uuid, 'video_' || md5('leaf' || k)::uuid, 0 from generate_series(1, $LEAVES) k
                  union all
                  select 'video_' || md5('chain0')::uuid, 'video_' || md5('leaf' || k)::uuid, 1 from generate_series(1, $LEAVES) k) c
            join task_view v on v.video_id = c.descendant_id;
          analyze task_lineage; analyze task_view;"
  log "lineage tree built in $(( $(date +%s) - t0 )) s: $(sql -c "select count(*) from task_lineage") closure rows"
  ROOT=$(sql -c "select 'video_' || md5('chain0')::uuid")
  DEEPEST=$(sql -c "select 'video_' || md5('chain$LINEAGE_DEPTH')::uuid")
  MIDDLE=$(sql -c "select 'video_' || md5('chain$((LINEAGE_DEPTH / 2))')::uuid")
  timed lineage-root "/api/video/tasks/$ROOT/lineage" "$TOKEN"
  # paging (opt-in): the first 1,000 tasks of the root's tree, then the next 1,000 after its cursor
  PAGE_CURSOR=$(curl -fs "$APP_URL/api/video/tasks/$ROOT/lineage?maxNodes=1000" -H "Authorization: Bearer $TOKEN" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["nextCursor"])')
  timed lineage-root-page "/api/video/tasks/$ROOT/lineage?maxNodes=1000" "$TOKEN"
  timed lineage-root-next-page "/api/video/tasks/$ROOT/lineage?maxNodes=1000&after=$PAGE_CURSOR" "$TOKEN"
  timed lineage-root-children "/api/video/tasks/$ROOT/lineage?maxDepth=1&maxNodes=100" "$TOKEN"
  timed lineage-deepest "/api/video/tasks/$DEEPEST/lineage" "$TOKEN"
  timed lineage-middle "/api/video/tasks/$MIDDLE/lineage" "$TOKEN"
  curl -fs "$APP_URL/api/video/tasks/$DEEPEST/lineage" -H "Authorization: Bearer $TOKEN" | head -c 600 > "$BENCH_OUT/lineage-deepest-sample.json" || true
  {
    echo "== closure shape: a task's subtree (root: $((LINEAGE_NODES + 1)) descendants)"
    sql -c "explain (analyze, buffers) select v.video_id from (select descendant_id, depth, created_at from task_lineage
            where ancestor_id = '$ROOT' and owner = '$OWNER' and owner_path order by depth, created_at, descendant_id limit 1001) l
            left join task_view v on v.video_id = l.descendant_id order by l.depth, l.created_at, l.descendant_id"
    echo "== closure shape: a task's ancestors (deepest node: $LINEAGE_DEPTH ancestors)"
    sql -c "explain (analyze, buffers) select v.video_id from task_lineage l join task_view v on v.video_id = l.ancestor_id
            where l.descendant_id = '$DEEPEST' and l.depth > 0 order by l.depth asc"
  } > "$BENCH_OUT/explain-lineage.txt" 2>&1
else
  echo "lineage PENDING: task_lineage closure table ($has_lineage/3 columns) or lineage route ('${lineage_route}') not in this build" \
    | tee -a "$BENCH_OUT/pending.txt" >&2
fi

# where the time of a list request goes: the controller's own requestTime (after security, before serialisation)
# vs the client-side round trip, over 50 sequential requests
python3 - "$APP_URL/api/video/tasks?limit=20" "$TOKEN" > "$BENCH_OUT/list-server-time.txt" <<'EOF'
import json, sys, time, urllib.request
url, tok = sys.argv[1], sys.argv[2]
server, client = [], []
for _ in range(50):
    t = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": "Bearer " + tok}), timeout=30) as r:
        body = json.load(r)
    client.append(1000 * (time.perf_counter() - t)); server.append(body["requestTime"])
q = lambda v, p: sorted(v)[min(len(v) - 1, int(p * len(v)))]
print(f"list first page, 50 requests: controller requestTime p50 {q(server, .5)} ms p95 {q(server, .95)} ms; "
      f"client round trip p50 {q(client, .5):.1f} ms p95 {q(client, .95):.1f} ms")
EOF
cat "$BENCH_OUT/list-server-time.txt" >&2

# ---------------------------------------------------------------- plans of TaskQueries.list's SQL shapes
IDS=$(sql -c "select string_agg(quote_literal(video_id), ',') from (select video_id from task_view where owner = '$OWNER'
              order by created_at desc, video_id desc limit 20) s")
{
  echo "== list first page (owner): TaskQueries.list, keyset, no cursor"
  sql -c "explain (analyze, buffers) select video_id from task_view where 1=1 and owner = '$OWNER' order by created_at desc, video_id desc limit 21"
  echo "== then views.findAllById(ids) (Hibernate: select ... from task_view where video_id in (...))"
  sql -c "explain (analyze, buffers) select * from task_view where video_id in ($IDS)"
  echo "== list by status (owner)"
  sql -c "explain (analyze, buffers) select video_id from task_view where 1=1 and owner = '$OWNER' and status = 'COMPLETED' order by created_at desc, video_id desc limit 21"
  echo "== list page/size: total"
  sql -c "explain (analyze, buffers) select count(*) from task_view where 1=1 and owner = '$OWNER'"
  echo "== admin list, every owner"
  sql -c "explain (analyze, buffers) select video_id from task_view where 1=1 order by created_at desc, video_id desc limit 21"
  echo "== admin list, every owner, status FAILED"
  sql -c "explain (analyze, buffers) select video_id from task_view where 1=1 and status = 'FAILED' order by created_at desc, video_id desc limit 21"
  echo "== admin page/size total over every owner"
  sql -c "explain (analyze, buffers) select count(*) from task_view where 1=1"
} > "$BENCH_OUT/explain-list.txt" 2>&1

log "summary (provisional: shared CPU; sequential single client; $ROWS rows / $OWNERS owners):"
column -t "$BENCH_OUT/summary.tsv" > "$BENCH_OUT/summary.txt"
cat "$BENCH_OUT/pending.txt" "$BENCH_OUT/list-server-time.txt" >> "$BENCH_OUT/summary.txt" 2>/dev/null || true
cat "$BENCH_OUT/summary.txt" >&2
grep -E '^(==|Limit|Execution Time|Planning Time|  ->|Aggregate|Index|Seq|Sort|Gather)' "$BENCH_OUT/explain-list.txt" | head -80 >&2
