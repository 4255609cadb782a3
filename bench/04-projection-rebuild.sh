#!/usr/bin/env bash
# Benchmark 4: projection rebuild of EVENTS events (default 1,000,000).
#
# 1. Starts the app once, submits one real task through the sandbox and waits until it is COMPLETED, so its event
#    stream (TaskSubmitted, UpstreamTaskAccepted, ProgressUpdated..., TaskCompleted, ContentArchived) is a template
#    written by the real serializer.
# 2. Stops the app and clones that stream and its owner's account stream with SQL (generate_series) under fresh task
#    ids and owners until the event store holds EVENTS events; every processor's token is then moved to the head, so nothing reacts to the clones live
#    (the upstream saga must never submit them).
# 3. Starts the app again, waits until the audit chain has chained every event (a row of its own: the replays do
#    not share the CPU with it), and, for each projection in PROJECTIONS (default "task-views lineage accounts"), calls
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

. "$(dirname "$0")/lib/seed-events.sh"
seed_event_store

# shellcheck disable=SC2086
app_start rebuild reelay --reelay.sandbox.job-duration=1h ${REBUILD_APP_ARGS:-}
ADMIN="$(token "$APP_URL" bench-admin admin)"
echo "projection events seconds events_per_s rows" > "$BENCH_OUT/summary.tsv"

# The audit chain (ADR 0011) chains every cloned event once the app runs. Earlier runs replayed while it did, so the
# replays shared the CPU with it; now it reaches the head first, and its own rate is a row of the summary.
before=$(cpu_snap "$APP_PID")
start_ns=$(date +%s%N)
while true; do
  chained=$(sql -c "select coalesce(max(position), 0) from audit_chain")
  [ "$chained" -ge "$HEAD" ] && break
  [ $(( ($(date +%s%N) - start_ns) / 1000000000 )) -gt "$REBUILD_TIMEOUT" ] && { log "audit chain: not at the head after $REBUILD_TIMEOUT s (at $chained of $HEAD)"; break; }
  sleep 5
done
ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
after=$(cpu_snap "$APP_PID")
echo "audit-chain $TOTAL $(python3 -c "print(round($ms / 1000.0, 1))") $(python3 -c "print(round($TOTAL / ($ms / 1000.0)))") $(sql -c "select count(*) from audit_chain")" \
  | tee -a "$BENCH_OUT/summary.tsv" >&2
cpu_report "$before" "$after" "$TOTAL" | sed 's/^/audit-chain /' | tee -a "$BENCH_OUT/summary-cpu.txt" >&2
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
