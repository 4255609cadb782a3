#!/usr/bin/env bash
# Benchmark 9: PostgreSQL restarts under load. Clients submit tasks and read their lists without pause; OUTAGE_AT
# seconds in, PostgreSQL is stopped (fast shutdown: every open connection is terminated), stays down DOWN_S seconds
# and starts again on the same port. Reports what the clients saw (statuses during and after the outage; a 500 is a
# failure of this benchmark), how long after the database's return the app answered 2xx again, and whether every
# task that got a 201 is stored and runs to COMPLETED (sandbox jobs of 2 s).
#
# Knobs: SUBMITTERS=4  READERS=4  DURATION=60 (s of load)  OUTAGE_AT=20  DOWN_S=15  SETTLE_TIMEOUT=120
. "$(dirname "$0")/lib/common.sh"

SUBMITTERS="${SUBMITTERS:-4}"
READERS="${READERS:-4}"
DURATION="${DURATION:-60}"
OUTAGE_AT="${OUTAGE_AT:-20}"
DOWN_S="${DOWN_S:-15}"
SETTLE_TIMEOUT="${SETTLE_TIMEOUT:-120}"

machine_info
pg_start
createdb_bench reelay
# shellcheck disable=SC2046
app_start restart reelay --reelay.sandbox.job-duration=2s $(sandbox_provider_args 1s 1s 5s)
for i in $(seq 1 "$SUBMITTERS"); do token "$APP_URL" "bench-$i"; done > "$WORK/tokens.txt"
BODY='{"prompt":"restart benchmark {n}: a harbour at dusk, slow pan","model":"sora-2","seconds":4}'

log "load: $SUBMITTERS submitters and $READERS readers for ${DURATION}s; PostgreSQL down at ${OUTAGE_AT}s for ${DOWN_S}s"
loadgen --url "$APP_URL/api/video/tasks" --method POST --body "$BODY" --bearer-file "$WORK/tokens.txt" \
  --header 'Accept: application/json' --concurrency "$SUBMITTERS" --duration "$DURATION" --expect 201 \
  --label submit --out "$BENCH_OUT/submit.json" --ids-out "$WORK/ids.txt" --timeline-out "$BENCH_OUT/submit-timeline.tsv" \
  > /dev/null &
SUBMIT_PID=$!
loadgen --url "$APP_URL/api/video/tasks?size=20" --method GET --bearer-file "$WORK/tokens.txt" \
  --concurrency "$READERS" --duration "$DURATION" --expect 200 \
  --label read --out "$BENCH_OUT/read.json" --timeline-out "$BENCH_OUT/read-timeline.tsv" > /dev/null &
READ_PID=$!

sleep "$OUTAGE_AT"
read -r DOWN UP < <(pg_stop_start "$DOWN_S")
log "PostgreSQL stopped at $DOWN, accepting again at $UP ($(( UP - DOWN )) ms)"
wait "$SUBMIT_PID" "$READ_PID"

# every 201: its TaskSubmitted is stored, and its task runs to the end
ACCEPTED=$(wc -l < "$WORK/ids.txt")
psql_db reelay -c "create table bench_ids(video_id text primary key)"
psql_db reelay -c "\\copy bench_ids from '$WORK/ids.txt'"
missing() {
  psql_db reelay -c "select count(*) from bench_ids b where not exists (select 1 from domain_event_entry e
                      where e.aggregate_identifier = b.video_id and e.payload_type like '%.$1')"
}
MISSING_SUBMITTED=$(missing TaskSubmitted)
t0=$(date +%s)
while [ "$(missing TaskCompleted)" != 0 ] && [ $(( $(date +%s) - t0 )) -lt "$SETTLE_TIMEOUT" ]; do sleep 1; done
NOT_COMPLETED=$(missing TaskCompleted)
LAST_COMPLETED=$(psql_db reelay -c "select (extract(epoch from max(time_stamp::timestamptz)) * 1000)::bigint
  from domain_event_entry e join bench_ids b on e.aggregate_identifier = b.video_id where e.payload_type like '%.TaskCompleted'")
# the saga is back when it records an upstream outcome again (an acceptance or a completion after the return)
FIRST_SAGA_EVENT=$(psql_db reelay -c "select coalesce((extract(epoch from min(time_stamp::timestamptz)) * 1000)::bigint, 0)
  from domain_event_entry where payload_type similar to '%.(UpstreamTaskAccepted|TaskCompleted)'
  and time_stamp::timestamptz > to_timestamp($UP / 1000.0)")
ERRORS_IN_LOG=$(grep -c "Unexpected error\|Unhandled error" "$BENCH_OUT/app-restart.log" || true)

python3 - "$BENCH_OUT" "$DOWN" "$UP" "$ACCEPTED" "$MISSING_SUBMITTED" "$NOT_COMPLETED" "$LAST_COMPLETED" "$ERRORS_IN_LOG" "$FIRST_SAGA_EVENT" \
  <<'PY' | tee "$BENCH_OUT/summary.txt"
import sys, collections
out, down, up, accepted, missing, not_completed, last_completed, app_errors, first_saga = sys.argv[1:]
down, up = int(down), int(up)
for name in ("submit", "read"):
    rows = [tuple(map(int, l.split("\t"))) for l in open(f"{out}/{name}-timeline.tsv") if l.strip()]
    before = collections.Counter(s for t, s, ms in rows if t + ms < down)
    # a request is touched by the outage if it was in flight or sent while the server was down
    touched = collections.Counter(s for t, s, ms in rows if t + ms >= down and t < up)
    after = collections.Counter(s for t, s, ms in rows if t >= up)
    ok_after = sorted(t for t, s, ms in rows if t >= up and 200 <= s < 300)
    first_ok = (ok_after[0] - up) / 1000 if ok_after else None
    fails_after = [t for t, s, ms in rows if t >= up and not 200 <= s < 300]
    last_fail = (max(fails_after) - up) / 1000 if fails_after else None
    print(f"{name}: {len(rows)} requests; before {dict(before)}; during the outage {dict(touched)}; after {dict(after)}")
    print(f"{name}: first 2xx {first_ok} s after the database was back; last non-2xx sent {last_fail} s after it")
    print(f"{name}: 500s {sum(c for s, c in (before + touched + after).items() if s == 500)}")
print(f"outage: {(up - down) / 1000:.1f} s (stop to accepting again)")
print(f"accepted (201): {accepted}; TaskSubmitted missing: {missing}; not COMPLETED within the settle timeout: {not_completed}")
if last_completed and last_completed != "":
    print(f"last accepted task COMPLETED {(int(last_completed) - up) / 1000:.1f} s after the database was back")
if int(first_saga):
    print(f"first upstream outcome recorded {(int(first_saga) - up) / 1000:.1f} s after the database was back (the saga's recovery)")
print(f"'Unexpected error' / 'Unhandled error' lines in the app log: {app_errors}")
PY
log "results in $BENCH_OUT"
