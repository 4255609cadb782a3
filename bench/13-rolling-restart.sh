#!/usr/bin/env bash
# Benchmark 13: a rolling restart of two nodes under steady load (issue 15, item 7: zero failed client requests,
# zero duplicate upstream jobs). Two nodes (java -jar) on one PostgreSQL call one fake provider in the OpenAI Videos
# format (lib/fake_provider.py; creates answer after CREATE_DELAY_MS, jobs take JOB_MS). The client
# (lib/ClusterClient.java) stands for a load balancer: each request goes to the next node in turn, and a request whose
# connection is refused goes to the other node (a balancer's retry on connection failure); any other failure is
# counted, never retried. SUBMITTERS clients create tasks, READERS clients read lists and tasks by id, from ROLL_AT s
# before the first restart until TAIL s after the last. Node A gets SIGTERM, is started again on the same port and
# waited for until healthy and holding its share of the saga; BETWEEN s later the same for node B.
#
# Reports: client requests by status per phase, failed requests (non-2xx other than 429), connection errors
# (separately), requests sent to the other node after a refused connection, each node's stop and start time,
# duplicate upstream jobs, tasks not completed.
#
# Knobs: ROLL_AT=20  BETWEEN=15  TAIL=20  SUBMITTERS=2  SUBMIT_PACE_MS=250  READERS=2  READ_PACE_MS=100
#        CREATE_DELAY_MS=1000  JOB_MS=5000  SETTLE_TIMEOUT=180
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/cluster.sh"

ROLL_AT="${ROLL_AT:-20}"
BETWEEN="${BETWEEN:-15}"
TAIL="${TAIL:-20}"
SUBMITTERS="${SUBMITTERS:-2}"
SUBMIT_PACE_MS="${SUBMIT_PACE_MS:-250}"
READERS="${READERS:-2}"
READ_PACE_MS="${READ_PACE_MS:-100}"
SETTLE_TIMEOUT="${SETTLE_TIMEOUT:-180}"
export CREATE_DELAY_MS="${CREATE_DELAY_MS:-1000}" JOB_MS="${JOB_MS:-5000}"

two_nodes
for i in $(seq 1 "$(( SUBMITTERS + READERS ))"); do token "$URL_A" "rolling-$i"; done > "$WORK/tokens.txt"
: > "$BENCH_OUT/restarts.tsv"

# restart <node>: SIGTERM, wait for the exit, start again on the same port, wait until healthy and sharing the saga.
restart() {
  local node="$1" pid port term exited up shared n
  pid="$(cat "$WORK/$node.pid")"; port="$(cat "$WORK/$node.port")"
  term=$(date +%s%3N)
  kill -TERM "$pid"
  for _ in $(seq 1 900); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && die "node $node still running 90 s after SIGTERM"
  exited=$(date +%s%3N)
  log "node $node (pid $pid) stopped $(( exited - term )) ms after SIGTERM"
  n="$node-restarted"
  # shellcheck disable=SC2046
  APP_PORT="$port" app_launch "$n" reelay $(fake_provider_args "$node") --reelay.content.archive-on-complete=false
  app_wait "$n"
  up=$(date +%s%3N)
  cp "$WORK/$n.pid" "$WORK/$node.pid"
  await_saga_shared reelay 120
  shared=$(date +%s%3N)
  printf '%s\t%s\t%s\t%s\t%s\n' "$node" "$term" "$exited" "$up" "$shared" >> "$BENCH_OUT/restarts.tsv"
}

log "load: $SUBMITTERS submitters (every ${SUBMIT_PACE_MS} ms) and $READERS readers (every ${READ_PACE_MS} ms) over both nodes"
cluster_client --nodes "$URL_A,$URL_B" --bearer-file "$WORK/tokens.txt" --submitters "$SUBMITTERS" \
  --submit-pace-ms "$SUBMIT_PACE_MS" --readers "$READERS" --read-pace-ms "$READ_PACE_MS" --duration 3600 \
  --stop-file "$WORK/stop-load" \
  --ids-out "$WORK/ids.txt" --timeline-out "$BENCH_OUT/timeline.tsv" --out "$BENCH_OUT/client.json" > /dev/null &
CLIENT_PID=$!
sleep "$ROLL_AT"
restart a
sleep "$BETWEEN"
restart b
sleep "$TAIL"
touch "$WORK/stop-load"
wait "$CLIENT_PID"

ACCEPTED=$(wc -l < "$WORK/ids.txt")
psql_db reelay -c "create table bench_ids(video_id text primary key)"
psql_db reelay -c "\\copy bench_ids from '$WORK/ids.txt'"
t0=$(date +%s)
while [ "$(completed_count reelay bench_ids)" -lt "$ACCEPTED" ] && [ $(( $(date +%s) - t0 )) -lt "$SETTLE_TIMEOUT" ]; do
  sleep 1
done
task_events_tsv reelay bench_ids "$BENCH_OUT/task-events.tsv"
fake_stat 'json.dumps(s)' > "$BENCH_OUT/provider-stats.json"
for f in "$BENCH_OUT"/app-*.log; do
  printf '%s: %s ERROR lines, %s "Unexpected error"\n' "$(basename "$f")" "$(grep -c ' ERROR ' "$f" || true)" \
    "$(grep -c 'Unexpected error' "$f" || true)"
done > "$BENCH_OUT/app-errors.txt"

python3 - "$BENCH_OUT" "$ACCEPTED" <<'PY' | tee "$BENCH_OUT/summary.txt"
import json, sys, collections
out, accepted = sys.argv[1], int(sys.argv[2])
restarts = [l.split("\t") for l in open(f"{out}/restarts.tsv") if l.strip()]
restarts = [(n, int(t), int(x), int(u), int(s)) for n, t, x, u, s in restarts]
rows = []
for l in open(f"{out}/timeline.tsv"):
    sent, label, node, status, ms, retried, error = l.rstrip("\n").split("\t", 6)
    rows.append((int(sent), label, int(node), int(status), int(ms), retried == "1", error))

def phase(t):
    for n, term, exited, up, shared in restarts:
        if t < term:
            return f"before {n}'s restart" if n == restarts[0][0] else f"between the restarts"
        if t < up:
            return f"node {n} stopping/starting"
    return "after both restarts"

by_phase = collections.OrderedDict()
for sent, label, node, status, ms, retried, error in rows:
    by_phase.setdefault(phase(sent), collections.Counter())[f"{label} {status}"] += 1
for p, c in by_phase.items():
    print(f"{p}: {dict(sorted(c.items()))}")
failed = [r for r in rows if r[3] != 0 and not 200 <= r[3] < 300 and r[3] != 429]
conn = [r for r in rows if r[3] == 0]
print(f"client requests: {len(rows)}; failed (non-2xx other than 429): {len(failed)}; "
      f"429: {sum(1 for r in rows if r[3] == 429)}; connection errors: {len(conn)}; "
      f"sent to the other node after a refused connection: {sum(1 for r in rows if r[5])}")
for r in (failed + conn)[:10]:
    print(f"  e.g. {r[1]} to node {'ab'[r[2]] if r[2] >= 0 else '-'} at +{(r[0] - rows[0][0]) / 1000:.1f} s: "
          f"status {r[3]} after {r[4]} ms {r[6]}")
for n, term, exited, up, shared in restarts:
    print(f"node {n}: stopped {(exited - term) / 1000:.1f} s after SIGTERM; healthy again {(up - exited) / 1000:.1f} s "
          f"after the start; saga shared 2 + 2 {(shared - up) / 1000:.1f} s later")

creates = [l.rstrip("\n").split("\t") for l in open(f"{out}/provider-creates.tsv") if l.strip()]
stats = json.load(open(f"{out}/provider-stats.json"))
jobs_accepted = collections.defaultdict(set)
events = collections.defaultdict(set)
for line in open(f"{out}/task-events.tsv"):
    vid, ev, ms, ext = line.rstrip("\n").split("\t")
    events[vid].add(ev)
    if ev == "UpstreamTaskAccepted":
        jobs_accepted[vid].add(ext)
per_key = collections.Counter(c[3] for c in creates)
duplicates = stats["keyless"] + sum(1 for js in jobs_accepted.values() if len(js) > 1)
print(f"tasks: {accepted} accepted (201); not COMPLETED: {sum(1 for e in events.values() if 'TaskCompleted' not in e)}; "
      f"FAILED: {sum(1 for e in events.values() if 'TaskFailed' in e)}")
print(f"upstream: {stats['jobs']} jobs, {stats['creates']} creates (sent again for {sum(1 for v in per_key.values() if v > 1)} "
      f"tasks, same key); duplicate upstream jobs: {duplicates}")
PY
cat "$BENCH_OUT/app-errors.txt" | tee -a "$BENCH_OUT/summary.txt"
log "results in $BENCH_OUT"
