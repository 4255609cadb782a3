#!/usr/bin/env bash
# Benchmark 2: the sustained pipeline with fast provider jobs (PROVIDER=fake, the default: lib/fake_provider.py in a
# process of its own, its CPU reported apart; PROVIDER=sandbox: the in-process sandbox, inside the app's CPU). For DURATION seconds, CLIENTS closed-loop clients
# (one user each) submit through POST /api/video/tasks; every task then goes submit -> accepted upstream (the saga's
# create call to the in-process sandbox over loopback HTTP) -> polled -> completed, and each step must show in the list
# (the task-views projection). Reported:
#   - submissions/s over the window (201 = TaskSubmitted committed) and their p50/p99;
#   - projection lag of task-views, sampled SAMPLE_HZ times a second: the age of the oldest event the processor has
#     not yet committed its token past (0 when it is at the head), p50/p95/p99/max; tokens are stored at the end of
#     each batch, so this is an upper bound on how stale the list is;
#   - submit -> accepted upstream and submit -> completed per task (event timestamps), p50/p99, and how many tasks got
#     there inside the window;
#   - how long the backlog took to drain after the load stopped, and the CPU per task.
#
# Knobs: CLIENTS=16  DURATION=60  JOB_DURATION=2s  SAMPLE_HZ=4  DRAIN_TIMEOUT=300  MAX_REQUESTS=200000
#        WARMUP_S=60: the warm-up at CLIENTS (and RATE). JIT_SETTLE=1: then 20 s more at a time until the JIT
#        compilers used less than JIT_SETTLED_PCT=3 % of a core over the last 20 s, WARMUP_MAX_S=900 in all at most
#        (lib/common.sh's warm_up; warmup-jit.txt, warmup-slices.jsonl). Off by default, and only with a RATE the
#        pipeline keeps up with: a closed loop submits faster than tasks complete, and on 2 cores the JIT took 640 s
#        to settle under it (its one C2 thread shares the cores with 15-20 runnable app threads): 63,042 tasks, whose
#        backlog took 267 s of the 300 s DRAIN_TIMEOUT to drain (docs/benchmarks.md, 2026-12-07). Without it the CPU
#        per task includes compiling.
#        APP_ARGS (extra app arguments, e.g. processor settings)
#        PROFILE=0: no JFR recording and no thread dump mid-load (both cost the app CPU counted as Reelay's;
#        benchmark 1 measured ~1 ms per create); PROFILE=1, the default, keeps them for profile.txt
#        SQL_STATS=1: load pg_stat_statements and write sql-per-task.txt (statements and their execution time per
#        task, from the load's start to the end of the drain, the costliest first)
#        RATE=100: an offered load instead of a closed loop: the clients send RATE submissions/s between them on a
#        fixed schedule (warm-up and load), each latency counted from when it was due; set CLIENTS so that
#        CLIENTS / RATE is well above a create's latency (CLIENTS=32 for 100/s). The drain then says whether the
#        pipeline kept up with it (a 2 s job and its poll: a few seconds).
#        POOL_WATCH=1: HikariCP's leak detection at 5 s in the app, and a thread dump the first two times it fires
#        (stall-pool-N-threads*.txt); off by default, as it schedules a task per connection borrowed
# Bounded: warm-up (<= WARMUP_MAX_S) + DURATION + drain (<= DRAIN_TIMEOUT) + start-up; ~5-15 min with the defaults.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/cluster.sh"

CLIENTS="${CLIENTS:-16}"
DURATION="${DURATION:-60}"
warm_up_knobs 60 0
PROVIDER="${PROVIDER:-fake}"
JOB_DURATION="${JOB_DURATION:-2s}"
SAMPLE_HZ="${SAMPLE_HZ:-4}"
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-300}"
MAX_REQUESTS="${MAX_REQUESTS:-200000}"
LEAK_ARGS=""
[ -n "${POOL_WATCH:-}" ] && LEAK_ARGS="--spring.datasource.hikari.leak-detection-threshold=5000"

machine_info
[ "${SQL_STATS:-}" = 1 ] && PG_OPTS="${PG_OPTS:-} -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
pg_start
createdb_bench reelay
[ "${SQL_STATS:-}" = 1 ] && psql_db reelay -c "create extension pg_stat_statements" >/dev/null

if [ "$PROVIDER" = fake ]; then
  # the provider in a process of its own (lib/fake_provider.py), so the app's CPU is Reelay's own work
  JOB_MS=$(( ${JOB_DURATION%s} * 1000 )) CREATE_DELAY_MS=0 fake_start
  # shellcheck disable=SC2046,SC2086
  app_start pipeline reelay $(fake_provider_args bench 1s 1s 5s) ${LEAK_ARGS:-} ${APP_ARGS:-}
else
  FAKE_PID=""
  # shellcheck disable=SC2046,SC2086
  app_start pipeline reelay --reelay.sandbox.job-duration="$JOB_DURATION" $(sandbox_provider_args 1s 1s 5s) ${LEAK_ARGS:-} ${APP_ARGS:-}
fi
PROMETHEUS_TOKEN=$(token "$APP_URL" bench-scraper admin)
for i in $(seq 1 "$CLIENTS"); do token "$APP_URL" "bench-$i"; done > "$WORK/tokens.txt"
BODY='{"prompt":"pipeline task {n}: a paper boat drifting down a rain gutter, macro lens, soft light","model":"sora-2","seconds":4}'

count_of() { psql_db reelay -c "select count(*) from domain_event_entry where payload_type like '%$1'"; }
# Age in ms of the oldest event task-views has not passed yet (0 at the head); token_entry holds a JSON
# GapAwareTrackingToken per segment, the slowest segment counts. That event is found through the primary key, the
# token's index being an InitPlan parameter: joined to it instead, PostgreSQL scanned the whole event table 4 times a
# second (1.2-4.6 ms of PostgreSQL time per task in 2026-12-06's runs, counted in the per-task CPU).
LAG_SQL="select to_char(clock_timestamp() at time zone 'UTC', 'HH24:MI:SS.MS'),
                coalesce(round(extract(epoch from clock_timestamp()
                  - (select e.time_stamp::timestamptz from domain_event_entry e
                     where e.global_index > (select min(substring(convert_from(token, 'UTF8') from '\"index\":([0-9]+)')::bigint)
                                               from token_entry where processor_name = 'task-views' and token is not null)
                     order by e.global_index limit 1)) * 1000), 0)"

drained() {
  psql_db reelay -c "
    select (select count(*) from domain_event_entry where payload_type like '%.TaskCompleted' or payload_type like '%.TaskFailed')
           >= (select count(*) from domain_event_entry where payload_type like '%.TaskSubmitted')
       and coalesce((select min(substring(convert_from(token, 'UTF8') from '\"index\":([0-9]+)')::bigint)
                     from token_entry where token is not null), -1)
           >= (select coalesce(max(global_index), 0) from domain_event_entry)"
}
drain() {
  local label="$1" t0
  t0=$(date +%s.%N)
  until [ "$(drained)" = t ]; do
    if (( $(echo "$(date +%s.%N) - $t0 > $DRAIN_TIMEOUT" | bc) )); then
      log "$label: not drained after $DRAIN_TIMEOUT s"
      jcmd "$APP_PID" Thread.print > "$BENCH_OUT/stall-$label-threads.txt" 2>/dev/null || true
      python3 "$BENCH_DIR/lib/threaddump_summary.py" "$BENCH_OUT/stall-$label-threads.txt" \
        > "$BENCH_OUT/stall-$label-threads-summary.txt" 2>&1 || true
      break
    fi
    sleep 0.5
  done
  printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)"
}

# pool watch (POOL_WATCH=1): the app runs with HikariCP's leak detection at 5 s (connections are held for milliseconds), which logs
# where each connection held that long was borrowed. The first two such moments also get a thread dump: what the
# holders and everyone else wait for. The pool's own time-out (30 s) fails every waiter at once.
( stalls=0; seen=0
  while [ -n "${POOL_WATCH:-}" ] && kill -0 "$APP_PID" 2>/dev/null && [ "$stalls" -lt 2 ]; do
    now=$(grep -c "Connection leak detection triggered" "$BENCH_OUT/app-pipeline.log" 2>/dev/null || true)
    if [ "${now:-0}" -gt "$seen" ]; then
      stalls=$((stalls + 1)); seen=$now
      jcmd "$APP_PID" Thread.print > "$BENCH_OUT/stall-pool-$stalls-threads.txt" 2>/dev/null || true
      log "pool: a connection held for 5 s or more (HikariCP's leak detection in the app log); thread dump in stall-pool-$stalls-threads.txt"
      python3 "$BENCH_DIR/lib/threaddump_summary.py" "$BENCH_OUT/stall-pool-$stalls-threads.txt" \
        > "$BENCH_OUT/stall-pool-$stalls-threads-summary.txt" 2>&1 || true
      sleep 5
    fi
    sleep 1
  done ) &
POOL_WATCHER=$!

# JFR starts before the warm-up (starting it throws compiled code away); the load window is dumped (app.jfr)
PROFILE="${PROFILE:-1}"
[ "$PROFILE" = 1 ] && { jcmd "$APP_PID" JFR.start name=bench settings=profile >/dev/null 2>&1 || true; }
warmup_slice() { # warmup_slice <seconds> <slice number>
  loadgen --url "$APP_URL/api/video/tasks" --method POST --body "$BODY" --bearer-file "$WORK/tokens.txt" \
    --concurrency "$CLIENTS" ${RATE:+--rate "$RATE"} --duration "$1" --expect 201 --label "warmup-$2" --out "$WORK/warmup-$2.json" >/dev/null
  cat "$WORK/warmup-$2.json" >> "$BENCH_OUT/warmup-slices.jsonl"
}
warm_up "$CLIENTS clients${RATE:+, $RATE/s}" warmup_slice
log "warm-up drained in $(drain warmup) s"
HEAD0=$(psql_db reelay -c "select coalesce(max(global_index), 0) from domain_event_entry")

# lag sampler, bounded by the load window plus a little
( end=$(( $(date +%s) + DURATION + 5 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    psql_db reelay -F ' ' -c "$LAG_SQL" 2>/dev/null || true
    sleep "$(echo "scale=3; 1 / $SAMPLE_HZ" | bc)"
  done > "$BENCH_OUT/lag-samples.txt" ) &
SAMPLER=$!
( sleep $((DURATION / 2))
  [ "$PROFILE" = 1 ] && { jcmd "$APP_PID" Thread.print > "$BENCH_OUT/threads-mid.txt" 2>/dev/null || true; }
  prometheus "$APP_URL" 2>/dev/null \
    | grep -E '^(hikaricp_connections_(active|pending|max)|executor_(active|queued)_tasks)' > "$BENCH_OUT/pools-mid.txt" || true ) &
MID=$!

deadline_sampler "$APP_PID" "$BENCH_OUT/deadlines-late.tsv" &  # polls and archive jobs waiting for a scheduler thread
DEADLINES=$!
LOAD_T0=$(date +%s)
log "load: $CLIENTS clients for ${DURATION}s (+2 s unmeasured ramp), provider ($PROVIDER) jobs of $JOB_DURATION"
T_START=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
[ "${SQL_STATS:-}" = 1 ] && psql_db reelay -c "select pg_stat_statements_reset()" >/dev/null
before=$(cpu_snap "$APP_PID"); fake0=$(fake_jiffies)
python3 "$BENCH_DIR/lib/thread_cpu.py" snap "$APP_PID" "$WORK/threads-before"
JFR_BEGIN=$(date +%H:%M:%S)
loadgen --url "$APP_URL/api/video/tasks" --method POST --body "$BODY" --bearer-file "$WORK/tokens.txt" \
  --concurrency "$CLIENTS" ${RATE:+--rate "$RATE"} --duration "$DURATION" --warmup 2 --max-requests "$MAX_REQUESTS" --expect 201 \
  --label "pipeline-c$CLIENTS" --out "$BENCH_OUT/load.json"
T_END=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
if [ "$PROFILE" = 1 ]; then
  jcmd "$APP_PID" JFR.dump name=bench begin="$JFR_BEGIN" filename="$BENCH_OUT/app.jfr" >/dev/null 2>&1 || true
  jcmd "$APP_PID" JFR.stop name=bench >/dev/null 2>&1 || true
fi
wait "$SAMPLER" "$MID" || true
DRAIN_T0=$(date +%s)
D=$(drain load)
kill "$DEADLINES" 2>/dev/null || true
{ deadline_lateness "$BENCH_OUT/deadlines-late.tsv" load-window "$LOAD_T0" "$DRAIN_T0"
  deadline_lateness "$BENCH_OUT/deadlines-late.tsv" drain "$DRAIN_T0"; } > "$BENCH_OUT/lateness.txt"
kill "$POOL_WATCHER" 2>/dev/null || true
after=$(cpu_snap "$APP_PID"); fake1=$(fake_jiffies)
python3 "$BENCH_DIR/lib/thread_cpu.py" snap "$APP_PID" "$WORK/threads-after"
log "backlog drained $D s after the load stopped"

N_TASKS=$(psql_db reelay -c "select count(*) from domain_event_entry where payload_type like '%.TaskSubmitted' and global_index > $HEAD0")
cpu_report "$before" "$after" "$N_TASKS" | tee "$BENCH_OUT/cpu.txt" >&2
if [ "${SQL_STATS:-}" = 1 ]; then
  psql_db reelay -c "select round(sum(calls)::numeric / $N_TASKS, 1) as statements_per_task,
                            round(sum(total_exec_time)::numeric / $N_TASKS, 2) as exec_ms_per_task
                     from pg_stat_statements s join pg_database d on d.oid = s.dbid where d.datname = 'reelay'" \
    > "$BENCH_OUT/sql-per-task.txt"
  psql_db reelay -c "select round(calls::numeric / $N_TASKS, 2) as per_task, round(total_exec_time::numeric / $N_TASKS, 3) as ms,
                            round(rows::numeric / greatest(calls, 1), 1) as rows_per_call, regexp_replace(left(query, 160), '\s+', ' ', 'g')
                     from pg_stat_statements s join pg_database d on d.oid = s.dbid where d.datname = 'reelay'
                     order by total_exec_time desc limit 40" >> "$BENCH_OUT/sql-per-task.txt"
fi
python3 "$BENCH_DIR/lib/thread_cpu.py" diff "$WORK/threads-before" "$WORK/threads-after" "$N_TASKS" > "$BENCH_OUT/thread-cpu.txt"
if [ -n "$FAKE_PID" ]; then
  fake_cpu_line "$fake0" "$fake1" "$N_TASKS" task | tee -a "$BENCH_OUT/cpu.txt" >&2
fi

# per task: submit -> accepted upstream -> completed, from the event timestamps of tasks submitted in the window
psql_db reelay -F ' ' -c "
  with s as (select aggregate_identifier as id, time_stamp::timestamptz as t from domain_event_entry
             where payload_type like '%.TaskSubmitted' and global_index > $HEAD0),
       a as (select aggregate_identifier as id, min(time_stamp::timestamptz) as t from domain_event_entry
             where payload_type like '%.UpstreamTaskAccepted' and global_index > $HEAD0 group by 1),
       c as (select aggregate_identifier as id, min(time_stamp::timestamptz) as t from domain_event_entry
             where payload_type like '%.TaskCompleted' and global_index > $HEAD0 group by 1)
  select 'accepted', count(a.t),
         round(1000 * percentile_cont(0.5) within group (order by extract(epoch from a.t - s.t)))::bigint,
         round(1000 * percentile_cont(0.99) within group (order by extract(epoch from a.t - s.t)))::bigint,
         count(*) filter (where a.t <= '$T_END'::timestamptz)
  from s join a using (id)
  union all
  select 'completed', count(c.t),
         round(1000 * percentile_cont(0.5) within group (order by extract(epoch from c.t - s.t)))::bigint,
         round(1000 * percentile_cont(0.99) within group (order by extract(epoch from c.t - s.t)))::bigint,
         count(*) filter (where c.t <= '$T_END'::timestamptz)
  from s join c using (id)" > "$BENCH_OUT/stages.txt"
psql_db reelay -c "select count(*) from task_view where status = 'COMPLETED'" > "$BENCH_OUT/list-completed.txt"
psql_db reelay -F ' ' -c "select payload_type, count(*) from domain_event_entry where global_index > $HEAD0 group by 1 order by 2 desc" \
  > "$BENCH_OUT/events-written.txt"
psql_db reelay -F ' ' -c "select operation, coalesce(http_status, -1), count(*) from upstream_call group by 1, 2 order by 1, 2" \
  > "$BENCH_OUT/upstream-calls.txt"
[ -f "$BENCH_OUT/app.jfr" ] && { python3 "$BENCH_DIR/lib/jfr_summary.py" "$BENCH_OUT/app.jfr" 30 > "$BENCH_OUT/profile.txt" 2>&1 || true; }
[ -f "$BENCH_OUT/threads-mid.txt" ] && python3 "$BENCH_DIR/lib/threaddump_summary.py" "$BENCH_OUT/threads-mid.txt" \
  > "$BENCH_OUT/threads-mid-summary.txt" 2>&1 || true

python3 - "$BENCH_OUT" "$DURATION" "$D" "$N_TASKS" "$T_START" "$T_END" <<'PYEOF' | tee "$BENCH_OUT/summary.txt" >&2
import json, sys
out, duration, drain, n_tasks, t_start, t_end = sys.argv[1:7]
load = json.load(open(f"{out}/load.json"))
lags = sorted(float(l.split()[1]) for l in open(f"{out}/lag-samples.txt") if len(l.split()) == 2)
def pct(xs, p):
    return xs[min(len(xs) - 1, max(0, -(-int(p * 1000) * len(xs) // 1000) - 1))] if xs else float("nan")
stages = {l.split()[0]: l.split()[1:] for l in open(f"{out}/stages.txt") if l.strip()}
print(f"window {t_start} .. {t_end} ({duration} s of load), tasks submitted in it: {n_tasks}")
offered = f"offered {load['rate_per_s']}/s, " if load.get('rate_per_s') else ""
print(f"submissions: {offered}{load['throughput_per_s']}/s, p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms, "
      f"unexpected {load['errors_or_unexpected']}  (goal >= 100 tasks/s for 60 s, issue 16)")
print(f"task-views lag over {len(lags)} samples: p50 {pct(lags, .5):.0f} ms, p95 {pct(lags, .95):.0f} ms, "
      f"p99 {pct(lags, .99):.0f} ms, max {max(lags) if lags else float('nan'):.0f} ms  (goal p99 <= 500 ms, issue 16)")
for stage in ("accepted", "completed"):
    if stage in stages:
        n, p50, p99, inside = stages[stage]
        print(f"submit -> {stage}: {n} tasks, p50 {p50} ms, p99 {p99} ms; {inside} of them inside the load window")
print(f"backlog drained {drain} s after the load stopped")
for line in open(f"{out}/lateness.txt"):
    if line.startswith(("load-window ", "drain ")):
        print(f"deadlines, {line.strip()}")
PYEOF
cat "$BENCH_OUT/cpu.txt" "$BENCH_OUT/upstream-calls.txt" >&2
head -40 "$BENCH_OUT/profile.txt" >&2 || true
