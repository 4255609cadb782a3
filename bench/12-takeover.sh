#!/usr/bin/env bash
# Benchmark 12: a node killed with its creates in flight, and how soon the other node takes them over (issue 15,
# item 3: within 30 s). Two nodes (java -jar) on one PostgreSQL call one fake provider in the OpenAI Videos format
# (lib/fake_provider.py) whose create answers only CREATE_DELAY_MS after the request (the job is made at once, as a
# provider that got the request would). TASKS tasks are submitted to both nodes in turn; once every task's first
# create has reached the provider, node B is killed with SIGKILL while its creates wait for their answers.
#
# Reports: the tasks in flight on node B (its saga sent their create, and no UpstreamTaskAccepted was recorded before
# the kill; how many of those creates were still unanswered), and for those tasks the time from the kill to node A's
# resend (first create from A with the task's key), to UpstreamTaskAccepted and to TaskCompleted (max and p50);
# duplicate upstream jobs (must be 0); tasks not completed. Both nodes run the defaults (reelay.upstream.*,
# reelay.cluster.*, db-scheduler) unless APP_EXTRA_ARGS says otherwise: this measures what a deployment gets.
#
# Knobs: TASKS=40  CREATE_DELAY_MS=8000  JOB_MS=5000  SUBMITTERS=4  SETTLE_TIMEOUT=300
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/cluster.sh"

TASKS="${TASKS:-40}"
SUBMITTERS="${SUBMITTERS:-4}"
SETTLE_TIMEOUT="${SETTLE_TIMEOUT:-300}"
export CREATE_DELAY_MS="${CREATE_DELAY_MS:-8000}" JOB_MS="${JOB_MS:-5000}"

two_nodes
for i in $(seq 1 8); do token "$URL_A" "takeover-$i"; done > "$WORK/tokens.txt"

log "submitting $TASKS tasks to both nodes in turn ($SUBMITTERS clients)"
cluster_client --nodes "$URL_A,$URL_B" --bearer-file "$WORK/tokens.txt" --submitters "$SUBMITTERS" \
  --submit-pace-ms 50 --readers 0 --count "$TASKS" --duration 120 --ids-out "$WORK/ids.txt" \
  --timeline-out "$BENCH_OUT/submit-timeline.tsv" --out "$BENCH_OUT/submit.json" > /dev/null
ACCEPTED=$(wc -l < "$WORK/ids.txt")
[ "$ACCEPTED" -ge "$TASKS" ] || die "only $ACCEPTED of $TASKS creates got a 201 (see submit.json)"

t0=$(date +%s)
# curl and sed only in this loop: a Python start takes most of a second on a busy machine
until [ "$(curl -fs -m 2 "http://127.0.0.1:$FAKE_PORT/stats" | sed 's/.*"creates": \([0-9]*\).*/\1/')" -ge "$ACCEPTED" ]; do
  [ $(( $(date +%s) - t0 )) -gt 120 ] && die "the tasks' creates did not all reach the provider within 120 s"
  sleep 0.1
done
KILLED=$(date +%s%3N)
kill -KILL "$PID_B"
log "node B (pid $PID_B) killed with SIGKILL at $KILLED"

psql_db reelay -c "create table bench_ids(video_id text primary key)"
psql_db reelay -c "\\copy bench_ids from '$WORK/ids.txt'"
t0=$(date +%s)
while [ "$(completed_count reelay bench_ids)" -lt "$ACCEPTED" ] && [ $(( $(date +%s) - t0 )) -lt "$SETTLE_TIMEOUT" ]; do
  sleep 1
done
task_events_tsv reelay bench_ids "$BENCH_OUT/task-events.tsv"
fake_stat 'json.dumps(s)' > "$BENCH_OUT/provider-stats.json"
psql_db reelay -c "select key, value from (values
  ('upstream-saga token owners at the end', (select string_agg(distinct owner, ', ') from token_entry where processor_name = 'upstream-saga')),
  ('db-scheduler executions still picked', (select count(*)::text from scheduled_tasks where picked))) v(key, value)" \
  > "$BENCH_OUT/cluster-state.txt"

python3 - "$BENCH_OUT" "$KILLED" "$ACCEPTED" <<'PY' | tee "$BENCH_OUT/summary.txt"
import json, statistics, sys, collections
out, killed, accepted = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
creates = [l.rstrip("\n").split("\t") for l in open(f"{out}/provider-creates.tsv") if l.strip()]
creates = [(int(r), int(a), n, k, j) for r, a, n, k, j, _ in creates]
events = collections.defaultdict(dict)
jobs_accepted = collections.defaultdict(set)
for line in open(f"{out}/task-events.tsv"):
    vid, ev, ms, ext = line.rstrip("\n").split("\t")
    events[vid].setdefault(ev, int(ms))
    if ev == "UpstreamTaskAccepted":
        jobs_accepted[vid].add(ext)
stats = json.load(open(f"{out}/provider-stats.json"))

not_accepted_at_kill = {v for v, e in events.items() if e.get("UpstreamTaskAccepted", 1 << 62) > killed}
first_from = {}
for r, a, n, k, j in sorted(creates):
    first_from.setdefault(k, n)
# in flight on B: its saga sent the create, and nothing was recorded before the kill
in_flight = sorted(k for k in not_accepted_at_kill if first_from.get(k) == "b")
unanswered = {k for r, a, n, k, j in creates if n == "b" and r <= killed and (a == -1 or a > killed)}

def seconds(values):
    values = sorted(values)
    if not values:
        return "n/a"
    return f"max {values[-1] / 1000:.1f} s, p50 {statistics.median(values) / 1000:.1f} s"

resend = []
for key in in_flight:
    after = [r for r, a, n, k, j in creates if k == key and n == "a" and r > killed]
    if after:
        resend.append(min(after) - killed)
acc = [events[k]["UpstreamTaskAccepted"] - killed for k in in_flight if "UpstreamTaskAccepted" in events.get(k, {})]
done = [events[k]["TaskCompleted"] - killed for k in in_flight if "TaskCompleted" in events.get(k, {})]
keys_with_jobs = {k for r, a, n, k, j in creates if k != "-"}
job_of_key = {}
for r, a, n, k, j in creates:
    job_of_key.setdefault(k, j)
# the fake makes one job per key, so a duplicate is a create without a key or a task bound to two jobs
duplicates = stats["keyless"] + sum(1 for v, js in jobs_accepted.items() if len(js) > 1)
wrong_job = sum(1 for v, js in jobs_accepted.items() if js and job_of_key.get(v) not in js)
resends = collections.Counter(k for r, a, n, k, j in creates)
print(f"tasks: {accepted} accepted (201); creates not yet accepted at the kill: {len(not_accepted_at_kill)}")
print(f"tasks in flight on node B at the kill (create sent by B, not accepted yet): {len(in_flight)}, "
      f"of which the create was still unanswered: {len(unanswered & set(in_flight))}")
print(f"  kill -> node A resends the create:      {seconds(resend)} ({len(resend)} of {len(in_flight)})")
print(f"  kill -> UpstreamTaskAccepted:            {seconds(acc)} ({len(acc)} of {len(in_flight)})")
print(f"  kill -> TaskCompleted:                   {seconds(done)} ({len(done)} of {len(in_flight)})")
print(f"every task, kill -> last TaskCompleted:   "
      f"{(max(e.get('TaskCompleted', 0) for e in events.values()) - killed) / 1000:.1f} s")
print(f"upstream: {stats['jobs']} jobs for {len(keys_with_jobs)} idempotency keys, {stats['creates']} creates "
      f"(most for one task: {max(resends.values()) if resends else 0}); creates without a key: {stats['keyless']}")
print(f"duplicate upstream jobs: {duplicates}; tasks bound to a job their key did not make: {wrong_job}")
print(f"not COMPLETED: {sum(1 for e in events.values() if 'TaskCompleted' not in e)}; "
      f"FAILED: {sum(1 for e in events.values() if 'TaskFailed' in e)}")
PY
cat "$BENCH_OUT/cluster-state.txt" | tee -a "$BENCH_OUT/summary.txt"
log "results in $BENCH_OUT"
