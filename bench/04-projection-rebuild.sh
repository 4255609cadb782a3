#!/usr/bin/env bash
# Benchmark 4: projection rebuild of EVENTS events (default 1,000,000).
#
# 1. Starts the app once, submits one real task through the sandbox and waits until it is COMPLETED, so its event
#    stream (TaskSubmitted, UpstreamTaskAccepted, ProgressUpdated..., TaskCompleted, ContentArchived) is a template
#    written by the real serializer.
# 2. Stops the app and clones that stream and its owner's account stream with SQL (generate_series) under fresh task
#    ids and owners until the event store holds EVENTS events; every processor's token is then moved to the head, so nothing reacts to the clones live
#    (the upstream saga must never submit them).
# 3. Starts the app again and, for each projection in PROJECTIONS (default "task-views lineage accounts"), calls
#    POST /api/admin/projections/{name}/rebuild and polls GET /api/admin/projections until its replayDone is true
#    and its position is at the head: events/s = events in the store / wall time of the replay.
#
# Knobs: POLL_S=1 EVENTS=1000000 PROJECTIONS="task-views lineage accounts" REBUILD_TIMEOUT=1800
#        REBUILD_APP_ARGS="--axon.eventhandling.processors.task-views.batch-size=500" (extra app arguments for step 3)
. "$(dirname "$0")/lib/common.sh"

EVENTS="${EVENTS:-1000000}"
PROJECTIONS="${PROJECTIONS:-task-views lineage accounts}"
REBUILD_TIMEOUT="${REBUILD_TIMEOUT:-1800}"

machine_info
pg_start
createdb_bench reelay
sql() { psql_db reelay "$@"; }

app_start seed reelay --reelay.sandbox.job-duration=3s $(sandbox_provider_args 1s 1s 2s)
TOKEN="$(token "$APP_URL" rebuild-bench)"
TEMPLATE=$(curl -fs -XPOST "$APP_URL/api/video/tasks" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"prompt":"rebuild template: a red fox running through fresh snow at dawn","model":"sora-2","seconds":4}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["videoId"])')
log "template task $TEMPLATE submitted; waiting for it to complete and be archived"
for _ in $(seq 1 120); do
  n=$(sql -c "select count(*) from domain_event_entry where aggregate_identifier = '$TEMPLATE' and payload_type like '%ContentArchived'")
  [ "$n" -ge 1 ] && break
  sleep 1
done
app_stop "$APP_PID"
# the template's own stream plus its owner's account stream (hold, admission, capture), each task cloned with its own owner
TEMPLATE_EVENTS="select * from domain_event_entry where aggregate_identifier in ('$TEMPLATE', 'account:rebuild-bench')"
PER_TASK=$(sql -c "select count(*) from ($TEMPLATE_EVENTS) t")
TASKS=$(( (EVENTS + PER_TASK - 1) / PER_TASK ))
log "template has $PER_TASK events: cloning $TASKS tasks"
t0=$(date +%s)
# in chunks of 50,000 tasks, each its own transaction, so the WAL and memory stay bounded
done_tasks=0
while [ "$done_tasks" -lt "$TASKS" ]; do
  upto=$(( done_tasks + 50000 )); [ "$upto" -gt "$TASKS" ] && upto=$TASKS
  sql -c "insert into domain_event_entry (global_index, event_identifier, meta_data, payload, payload_revision,
            payload_type, time_stamp, aggregate_identifier, sequence_number, type)
          select nextval('domain_event_entry_seq'), gen_random_uuid()::text, t.meta_data,
                 convert_to(replace(replace(convert_from(t.payload, 'UTF8'), '$TEMPLATE', c.id), 'rebuild-bench', c.owner), 'UTF8'),
                 t.payload_revision, t.payload_type, t.time_stamp,
                 case when t.aggregate_identifier = '$TEMPLATE' then c.id else 'account:' || c.owner end,
                 t.sequence_number, t.type
          from (select g, 'video_' || md5('rebuild' || g)::uuid as id, 'rebuild-' || g as owner
                from generate_series($((done_tasks + 1)), $upto) g) c
          cross join ($TEMPLATE_EVENTS) t
          order by c.g, t.global_index" > /dev/null
  done_tasks=$upto
done
TOTAL=$(sql -c "select count(*) from domain_event_entry")
HEAD=$(sql -c "select max(global_index) from domain_event_entry")
sql -c "vacuum analyze domain_event_entry" > /dev/null
sql -c "update token_entry set token = convert_to('{\"index\":$HEAD,\"gaps\":[]}', 'UTF8'),
          token_type = 'org.axonframework.eventhandling.GapAwareTrackingToken'" > /dev/null
log "cloned in $(( $(date +%s) - t0 )) s: $TOTAL events in the store (head $HEAD), $(sql -c "select pg_size_pretty(pg_total_relation_size('domain_event_entry'))")"

# shellcheck disable=SC2086
app_start rebuild reelay --reelay.sandbox.job-duration=1h ${REBUILD_APP_ARGS:-}
ADMIN="$(token "$APP_URL" bench-admin admin)"
echo "projection events seconds events_per_s rows" > "$BENCH_OUT/summary.tsv"
status() { # status <name>: "<replaying> <position>"
  curl -fs "$APP_URL/api/admin/projections" -H "Authorization: Bearer $ADMIN" | python3 -c '
import json, sys
name = sys.argv[1]
for p in json.load(sys.stdin)["data"]:
    if p["name"] == name:
        print(str(p.get("replayDone", False)).lower(), p["position"])' "$1"
}
for name in $PROJECTIONS; do
  before=$(cpu_snap "$APP_PID")
  start_ns=$(date +%s%N)
  curl -fs -XPOST "$APP_URL/api/admin/projections/$name/rebuild" -H "Authorization: Bearer $ADMIN" > /dev/null
  while true; do
    # Axon keeps "replaying" until an event beyond the reset point arrives, so the route's replayDone (every segment
    # caught up, at or past the reset position) marks the end of the re-reading
    read -r done position < <(status "$name")
    [ "$done" = "true" ] && [ "$position" -ge "$HEAD" ] && break
    [ $(( ($(date +%s%N) - start_ns) / 1000000000 )) -gt "$REBUILD_TIMEOUT" ] && { log "$name: not done after $REBUILD_TIMEOUT s (at $position of $HEAD)"; break; }
    sleep "${POLL_S:-1}"   # each poll costs a curl and a python start (~0.15 CPU-s): more often steals from the replay
  done
  ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
  after=$(cpu_snap "$APP_PID")
  case "$name" in
    task-views) rows=$(sql -c "select count(*) from task_view") ;;
    lineage) rows=$(sql -c "select count(*) from task_lineage") ;;
    accounts) rows=$(sql -c "select count(*) from account_balance") ;;
    *) rows="?" ;;
  esac
  rate=$(python3 -c "print(round($TOTAL / ($ms / 1000.0)))")
  echo "$name $TOTAL $(python3 -c "print(round($ms / 1000.0, 1))") $rate $rows" | tee -a "$BENCH_OUT/summary.tsv" >&2
  cpu_report "$before" "$after" "$TOTAL" | tee -a "$BENCH_OUT/summary-cpu.txt" >&2
done
log "done: $BENCH_OUT/summary.tsv"
