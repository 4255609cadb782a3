#!/usr/bin/env bash
# Benchmark 5: open SSE streams on one node and the fan-out latency of task events to them.
# STREAMS clients (one NIO thread, lib/SseFanout.java) open GET /api/video/tasks/stream, spread over OWNERS users
# (STREAMS / OWNERS tabs each). With every stream open, the app's heap after GC, threads, RSS and open files are
# recorded; then tasks are submitted at TRIGGER_RATE per second for TRIGGER_S seconds, round-robin over the owners,
# with 2 s sandbox jobs, so each task's events (submitted, accepted, progress, completed, ...) reach that owner's
# streams. Latency per delivery = time the client read it - the event's own timestamp. Missing deliveries: an event
# seen on one of an owner's streams but not on another of that owner's open streams.
#
# Knobs: STREAMS=10000  OWNERS=1000  TRIGGER_RATE=10  TRIGGER_S=60  JOB_DURATION=2s  BATCH=500  HEARTBEAT=15s
# Bounded: connect <= 180 s, TRIGGER_S, a 20 s tail; ~4-6 min with the defaults.
. "$(dirname "$0")/lib/common.sh"

STREAMS="${STREAMS:-10000}"
OWNERS="${OWNERS:-1000}"
TRIGGER_RATE="${TRIGGER_RATE:-10}"
TRIGGER_S="${TRIGGER_S:-60}"
JOB_DURATION="${JOB_DURATION:-2s}"
BATCH="${BATCH:-500}"
HEARTBEAT="${HEARTBEAT:-15s}"
[ "$(ulimit -n)" -ge $((STREAMS + 1000)) ] || ulimit -n $((STREAMS + 2000)) \
  || die "need $((STREAMS + 1000)) open files per process (ulimit -n is $(ulimit -n))"

machine_info
pg_start
createdb_bench reelay
# shellcheck disable=SC2046
app_start sse reelay --reelay.sandbox.job-duration="$JOB_DURATION" --reelay.sse.heartbeat="$HEARTBEAT" \
  $(sandbox_provider_args 1s 1s 5s)

log "tokens for $OWNERS owners"
for i in $(seq 1 "$OWNERS"); do token "$APP_URL" "fan-$i"; done > "$WORK/tokens.txt"

snapshot() { # snapshot <label>: heap after a full GC, threads, RSS, open files
  local label="$1"
  jcmd "$APP_PID" GC.run > /dev/null
  jcmd "$APP_PID" GC.heap_info > "$BENCH_OUT/heap-$label.txt"
  local used; used=$(grep -m1 -oE 'total [0-9]+K, used [0-9]+K' "$BENCH_OUT/heap-$label.txt" | sed -E 's/.*used ([0-9]+)K/\1/')
  echo "$label heap_used_after_gc_mb=$((used / 1024)) java_threads=$(jcmd "$APP_PID" Thread.print | grep -c '^"') \
os_threads=$(awk '/^Threads:/{print $2}' "/proc/$APP_PID/status") rss_mb=$(( $(awk '/^VmRSS:/{print $2}' "/proc/$APP_PID/status") / 1024 )) \
open_files=$(ls "/proc/$APP_PID/fd" | wc -l)" | tee -a "$BENCH_OUT/resources.txt" >&2
}
snapshot "before-streams"

mkdir -p "$WORK/sse"
javac -d "$WORK/sse" "$BENCH_DIR/lib/SseFanout.java"
HOLD=$((TRIGGER_S + 200))
log "opening $STREAMS streams over $OWNERS owners (batches of $BATCH)"
java -Xss512k -Xmx1g -XX:+UseSerialGC -cp "$WORK/sse" SseFanout --url "$APP_URL/api/video/tasks/stream" \
  --bearer-file "$WORK/tokens.txt" --streams "$STREAMS" --batch "$BATCH" --connect-timeout 180 --hold "$HOLD" \
  --ready-file "$WORK/sse-ready.json" --stop-file "$WORK/sse-stop" --out "$BENCH_OUT/sse-result.json" \
  > "$BENCH_OUT/sse-client.log" 2>&1 &
CLIENT=$!
echo "$CLIENT" >> "$PIDFILE"
for _ in $(seq 1 200); do [ -f "$WORK/sse-ready.json" ] && break; kill -0 "$CLIENT" 2>/dev/null || break; sleep 1; done
[ -f "$WORK/sse-ready.json" ] || { cat "$BENCH_OUT/sse-client.log" >&2; die "streams never got ready"; }
log "ready: $(cat "$WORK/sse-ready.json")"
snapshot "streams-open"
jcmd "$APP_PID" GC.class_histogram 2>/dev/null | head -40 > "$BENCH_OUT/class-histogram-streams-open.txt" || true
jcmd "$APP_PID" JFR.start name=bench settings=profile filename="$BENCH_OUT/app.jfr" >/dev/null 2>&1 || true

log "trigger: $TRIGGER_RATE tasks/s for ${TRIGGER_S}s, round-robin over the owners"
before=$(cpu_snap "$APP_PID")
mapfile -t TOKENS < "$WORK/tokens.txt"
n=0
CURLS=()
end=$(( $(date +%s) + TRIGGER_S ))
interval=$(echo "scale=4; 1 / $TRIGGER_RATE" | bc)
while [ "$(date +%s)" -lt "$end" ]; do
  curl -s -o /dev/null -w '%{http_code}\n' -m 10 -XPOST "$APP_URL/api/video/tasks" \
    -H "Authorization: Bearer ${TOKENS[$((n % OWNERS))]}" -H 'Content-Type: application/json' \
    -d "{\"prompt\":\"fan-out task $n: lanterns rising over a lake at night\",\"model\":\"sora-2\",\"seconds\":4}" \
    >> "$WORK/trigger-codes.txt" &
  CURLS+=("$!")
  n=$((n + 1))
  sleep "$interval"
done
for pid in "${CURLS[@]}"; do wait "$pid" 2>/dev/null || true; done  # only the curls: the app is a job of this shell too
log "submitted $n tasks; codes: $(sort "$WORK/trigger-codes.txt" | uniq -c | tr '\n' ' ')"
# let the last jobs finish (2 s jobs, 1 s polls) before stopping the clients
sleep 15
snapshot "after-fanout"
after=$(cpu_snap "$APP_PID")
jcmd "$APP_PID" JFR.stop name=bench >/dev/null 2>&1 || true
python3 "$BENCH_DIR/lib/jfr_summary.py" "$BENCH_OUT/app.jfr" 30 > "$BENCH_OUT/profile.txt" 2>&1 || true
touch "$WORK/sse-stop"
for _ in $(seq 1 30); do kill -0 "$CLIENT" 2>/dev/null || break; sleep 1; done
cpu_report "$before" "$after" | tee "$BENCH_OUT/cpu.txt" >&2
psql_db reelay -F ' ' -c "select payload_type, count(*) from domain_event_entry group by 1 order by 2 desc" > "$BENCH_OUT/events-written.txt"

python3 - "$BENCH_OUT" "$STREAMS" "$OWNERS" "$n" "$TRIGGER_S" <<'PYEOF' | tee "$BENCH_OUT/summary.txt" >&2
import json, sys
out, streams, owners, tasks, secs = sys.argv[1:6]
r = json.load(open(f"{out}/sse-result.json"))
print(f"streams: {r['streams_open_at_ready']} of {streams} open after {r['open_ms']} ms "
      f"({int(streams) // int(owners)} per owner, {owners} owners); still open at the end {r['streams_open_at_end']}, "
      f"broke {r['broke_after_open']}, statuses {r['statuses']}  (goal >= 10,000)")
print(f"fan-out: {tasks} tasks in {secs} s -> {r['distinct_events']} distinct events, {r['measured_deliveries']} deliveries, "
      f"missing {r['missing_deliveries']}; latency p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, "
      f"max {r['max_ms']} ms  (goal p99 <= 250 ms); heartbeats read {r['heartbeats']}")
for t, v in r.get("by_type", {}).items():
    print(f"  {t}: {v['n']} deliveries, p50 {v['p50_ms']} ms, p99 {v['p99_ms']} ms")
for line in open(f"{out}/resources.txt"):
    print(line.rstrip())
PYEOF
cat "$BENCH_OUT/cpu.txt" >&2
