#!/usr/bin/env bash
# Benchmark 6b: the lineage route alone, to compare builds quickly (benchmark 6 runs it too, after the list cases).
# ROWS background task_view rows (200,000) and benchmark 6's 10,001-task tree (a chain of depth 1,000 plus 9,000
# direct remixes of the root), then, one client in sequence, WARMUP then REQUESTS requests per case: the health floor,
# the whole tree from the root, the whole lineage of the deepest task, and (unless PAGED=0, for a build without
# paging) a page of 1,000, the next page of 1,000 after its cursor, the root's children (100) and a page of 100.
#   REELAY_JAR=/tmp/before.jar PAGED=0 bench/06b-lineage.sh ; bench/06b-lineage.sh
. "$(dirname "$0")/lib/common.sh"
ROWS="${ROWS:-200000}"; REQUESTS="${REQUESTS:-200}"; WARMUP="${WARMUP:-300}"; PAGED="${PAGED:-1}"
OWNER=owner-0500
machine_info
pg_start
createdb_bench reelay
app_start read reelay --reelay.sandbox.job-duration=1h
sql() { psql_db reelay "$@"; }
sql -c "insert into task_view (video_id, owner, status, progress, prompt, model, size, seconds, media_type, provider_id,
          external_task_id, root_id, depth, created_at, updated_at)
        select 'video_' || md5('bulk' || g)::uuid, 'owner-' || lpad((g % 1000)::text, 4, '0'), 'COMPLETED', 100,
               'bulk prompt ' || g || ': a red fox running through fresh snow at dawn, cinematic, 35mm film look',
               'sora-2', '720x1280', 4, 'VIDEO', 'sandbox', 'video_' || md5('ext' || g), 'video_' || md5('bulk' || g)::uuid, 0,
               now() - (g * interval '31 seconds'), now() - (g * interval '31 seconds')
        from generate_series(1, $ROWS) g"
sql -c "create table lin_nodes as
          select 'video_' || md5('chain' || i)::uuid as id, i as depth,
                 case when i = 0 then null else 'video_' || md5('chain' || (i - 1))::uuid end as parent
          from generate_series(0, 1000) i
          union all
          select 'video_' || md5('leaf' || k)::uuid, 1, 'video_' || md5('chain0')::uuid from generate_series(1, 9000) k"
sql -c "insert into task_view (video_id, owner, status, progress, prompt, model, size, seconds, media_type,
                               lineage_kind, remix_from, root_id, depth, created_at, updated_at, completed_at)
          select id, '$OWNER', 'COMPLETED', 100, 'lineage node', 'sora-2', '720x1280', 4, 'VIDEO',
                 case when parent is null then null else 'REMIX' end, parent, 'video_' || md5('chain0')::uuid, depth,
                 now() - interval '1 day' + depth * interval '1 second', now(), now()
          from lin_nodes"
PAIRS="select 'video_' || md5('chain' || j)::uuid as a, 'video_' || md5('chain' || i)::uuid as d, i - j as depth
         from generate_series(0, 1000) i, generate_series(0, i) j
       union all select 'video_' || md5('leaf' || k)::uuid, 'video_' || md5('leaf' || k)::uuid, 0 from generate_series(1, 9000) k
       union all select 'video_' || md5('chain0')::uuid, 'video_' || md5('leaf' || k)::uuid, 1 from generate_series(1, 9000) k"
if [ "$(sql -c "select count(*) from information_schema.columns where table_name = 'task_lineage' and column_name = 'owner_path'")" = 1 ]; then
  sql -c "insert into task_lineage (ancestor_id, descendant_id, depth, created_at, owner, owner_path)
          select p.a, p.d, p.depth, v.created_at, v.owner, true from ($PAIRS) p join task_view v on v.video_id = p.d"
else
  sql -c "insert into task_lineage (ancestor_id, descendant_id, depth) select a, d, depth from ($PAIRS) p"
fi
sql -c "vacuum analyze task_view"; sql -c "vacuum analyze task_lineage"
TOKEN="$(token "$APP_URL" "$OWNER")"
ROOT=$(sql -c "select 'video_' || md5('chain0')::uuid"); DEEPEST=$(sql -c "select 'video_' || md5('chain1000')::uuid")
echo "case requests p50_ms p95_ms p99_ms max_ms errors" > "$BENCH_OUT/summary.tsv"
timed() {
  local name="$1" path="$2"
  loadgen --url "$APP_URL$path" --header "Authorization: Bearer $TOKEN" --concurrency 1 --duration 15 \
    --max-requests "$WARMUP" --expect 200 --label "warmup-$name" > /dev/null
  loadgen --url "$APP_URL$path" --header "Authorization: Bearer $TOKEN" --concurrency 1 --duration 120 \
    --max-requests "$REQUESTS" --expect 200 --label "$name" --out "$BENCH_OUT/read-$name.json" > /dev/null
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2], r["measured_ok"], r["p50_ms"], r["p95_ms"], r["p99_ms"], r["max_ms"], r["errors_or_unexpected"])' \
    "$BENCH_OUT/read-$name.json" "$name" | tee -a "$BENCH_OUT/summary.tsv" >&2
}
timed health-floor "/actuator/health"
timed lineage-root "/api/video/tasks/$ROOT/lineage"
timed lineage-deepest "/api/video/tasks/$DEEPEST/lineage"
if [ "$PAGED" = 1 ]; then
  CURSOR=$(curl -fs "$APP_URL/api/video/tasks/$ROOT/lineage?maxNodes=1000" -H "Authorization: Bearer $TOKEN" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["nextCursor"])')
  timed lineage-root-page "/api/video/tasks/$ROOT/lineage?maxNodes=1000"
  timed lineage-root-next-page "/api/video/tasks/$ROOT/lineage?maxNodes=1000&after=$CURSOR"
  timed lineage-root-children "/api/video/tasks/$ROOT/lineage?maxDepth=1&maxNodes=100"
  timed lineage-root-page-100 "/api/video/tasks/$ROOT/lineage?maxNodes=100"
fi
# where the time goes: the controller's own requestTime (SQL, tree and JSON; not security or the socket) over 100
# sequential requests per case, against the client's round trip
server_time() { # server_time <case> <path>
  python3 - "$1" "$APP_URL$2" "$TOKEN" <<'PY' | tee -a "$BENCH_OUT/server-time.txt" >&2
import re, sys, time, urllib.request
name, url, tok = sys.argv[1:4]
server, client = [], []
for _ in range(100):
    t = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": "Bearer " + tok}), timeout=30) as r:
        body = r.read()
    client.append(1000 * (time.perf_counter() - t))
    # the last field; a 1,000-deep tree is deeper than Python's json module can parse
    server.append(int(re.search(rb'"requestTime":(\d+)}\s*$', body).group(1)))
q = lambda v, p: sorted(v)[min(len(v) - 1, int(p * len(v)))]
print(f"{name}: requestTime p50 {q(server, .5)} ms p95 {q(server, .95)} ms; round trip p50 {q(client, .5):.1f} ms p95 {q(client, .95):.1f} ms")
PY
}
server_time lineage-root "/api/video/tasks/$ROOT/lineage"
server_time lineage-deepest "/api/video/tasks/$DEEPEST/lineage"
if [ "$PAGED" = 1 ]; then
  server_time lineage-root-page "/api/video/tasks/$ROOT/lineage?maxNodes=1000"
  server_time lineage-root-next-page "/api/video/tasks/$ROOT/lineage?maxNodes=1000&after=$CURSOR"
fi
column -t "$BENCH_OUT/summary.tsv" >&2
