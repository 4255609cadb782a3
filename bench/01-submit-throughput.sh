#!/usr/bin/env bash
# Benchmark 1: durable submissions (POST /api/video/tasks answers 201 only after TaskSubmitted is committed) at
# 1, 8 and 32 concurrent clients, side by side with pgbench inserting one ~500-byte row per transaction into the
# same PostgreSQL at the same concurrency. Reports throughput, p50/p99 and the ratio app/pgbench.
#
# Upstream work is kept light but real: 1 h jobs and a 10 min first poll, so every submission still costs one
# upstream "create", its call-log row, the binding, the acceptance event and the projection, but no polling happens
# during a run. Where the provider runs (PROVIDER):
#   fake (default): lib/fake_provider.py, a separate process answering at once; its CPU is reported apart
#        (cpu-app-c*.txt, "provider fake"), so the app's CPU is Reelay's own work, HTTP client included.
#   sandbox: Reelay's in-process sandbox over loopback HTTP, as before 2026-12-03; its share is inside the app's CPU.
#
# Knobs: CLIENTS="1 8 32"  DURATION=20 (s per step)  MAX_REQUESTS=200000 (per step)
#        WARMUP_CLIENTS=8: the warm-up's clients, each a user of its own. A 32-client step after it still compiles
#        (135 compilations in the 20 s step, 67 of them C2's, 0.27-0.50 ms of JIT per create): no method compiled
#        over and over, C2's long tail. Warmed at 32 clients instead, the JIT took 9-10 % of a core in every 20 s
#        slice for 340 s and did not settle (docs/benchmarks.md, 2026-12-07, sixteenth session): 8 stays the default.
#        WARMUP_S=120: the least warm-up; then, with JIT_SETTLE=1 (the default), 20 s more at a time until
#        the JIT compilers used less than JIT_SETTLED_PCT=3 % of a core over the last 20 s, WARMUP_MAX_S=900 in all at
#        most (warmup-jit.txt: each slice's compiler CPU; warmup-slices.jsonl: each slice's load). On 2 slow cores C2
#        was still compiling the create path 3 min into the load and took 8-30 % of the app's CPU in the steps; it
#        settled after 5-7 min, and a create then cost 28-42 % less (docs/benchmarks.md, 2026-12-06, fourteenth
#        session, two pairs of runs). JIT_SETTLE=0: the fixed WARMUP_S alone, as the runs before that session.
#        The provider's first poll is 1 h after a create (10 min before that session), so a long warm-up's tasks are
#        not polled during the steps.
#        IDLE_S=10: seconds of no load after the warm-up, to measure the app's own background CPU (heartbeats,
#        pollers); each step also reports its app CPU per submission net of that rate (cpu-app-c*.txt)
#        PROFILE=0: no JFR recording and no thread dumps or scrapes during the top step (both cost the app CPU that
#        counts as Reelay's; PROFILE=1, the default, keeps them for profile-c*.txt and threads-c*-summary.txt)
#        RATE=400: each step offers RATE submissions/s between its clients (an open schedule: a request's latency
#        counts from when it was due, so falling behind shows) instead of a closed loop. A closed loop at saturation
#        measures the most it can take, and its latency is queueing by construction (mean = clients / rate); an
#        offered rate measures the latency a client sees at that rate
#        TIMELINE=1: write every measured request (sent at, status, latency ms) to timeline-c<n>.tsv
#        SQL_STATS=1: load pg_stat_statements and write sql-per-submission.txt (statements per submission over the
#        measured steps, app and background together); it costs PostgreSQL CPU, so not for the CPU numbers
# Bounded: the warm-up (WARMUP_MAX_S at most) + 3 x (DURATION + drain <= 120 s + DURATION) + start-up; 8-20 min with the defaults.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/cluster.sh"

CLIENTS="${CLIENTS:-1 8 32}"
DURATION="${DURATION:-20}"
warm_up_knobs 120 1
MAX_CLIENTS=$(printf '%s\n' $CLIENTS | sort -n | tail -1)
WARMUP_CLIENTS="${WARMUP_CLIENTS:-8}"
whole_knob WARMUP_CLIENTS 1
MAX_REQUESTS="${MAX_REQUESTS:-200000}"
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-120}"
PROVIDER="${PROVIDER:-fake}"

PROFILE="${PROFILE:-1}"
SQL_STATS="${SQL_STATS:-0}"
[ "$SQL_STATS" = 1 ] && PG_OPTS="${PG_OPTS:-} -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"

machine_info
pg_start
createdb_bench reelay
[ "$SQL_STATS" = 1 ] && psql_db reelay -c "create extension pg_stat_statements" >/dev/null
createdb_bench pgb

if [ "$PROVIDER" = fake ]; then
  CREATE_DELAY_MS=0 JOB_MS=3600000 fake_start
  # shellcheck disable=SC2046
  app_start submit reelay $(fake_provider_args bench 1h 1s 20s)
else
  FAKE_PID=""
  # shellcheck disable=SC2046
  app_start submit reelay --reelay.sandbox.job-duration=2h $(sandbox_provider_args 1h 1s 20s)
fi
# the scrapes during the top step need an admin token: minted once here, not in each sampling subshell
PROMETHEUS_TOKEN=$(token "$APP_URL" bench-scraper admin)
# one user per client, as in real traffic: each user's submissions go through that user's account (guardrails)
for i in $(seq 1 "$(( MAX_CLIENTS > WARMUP_CLIENTS ? MAX_CLIENTS : WARMUP_CLIENTS ))"); do token "$APP_URL" "bench-$i"; done > "$WORK/tokens.txt"
BODY='{"prompt":"benchmark submission {n}: a red fox running through fresh snow at dawn, cinematic, 35mm","model":"sora-2","seconds":4}'

# pgbench: one ~500-byte row per transaction
psql_db pgb -c "create table bench_insert(id bigserial primary key, payload text not null, created_at timestamptz not null default now())"
cat > "$WORK/insert.sql" <<'EOF'
\set r random(1, 2000000000)
insert into bench_insert(payload) values (md5(:r::text) || repeat('x', 468));
EOF
cp "$WORK/insert.sql" "$BENCH_OUT/pgbench-insert.sql"

submitted_count() { psql_db reelay -c "select count(*) from domain_event_entry where payload_type like '%TaskSubmitted'"; }
# Wait until the background work of every submission is done: each TaskSubmitted has its UpstreamTaskAccepted
# (the saga's create call went out and came back), and every event processor's token (GapAwareTrackingToken "index") is at the head of the stream.
# Prints the seconds it took: the processing lag behind the accepted submissions.
drain() {
  local label="$1" t0 state elapsed
  t0=$(date +%s.%N)
  while true; do
    # one line per poll in drain-<label>.txt: seconds, submissions still without their acceptance, and the
    # processors whose token is behind the head, to say which part of the background work drained last
    state=$(psql_db reelay -c "
      with head as (select coalesce(max(global_index), 0) as g from domain_event_entry),
           tokens as (select processor_name, min(substring(convert_from(token, 'UTF8') from '\"index\":([0-9]+)')::bigint) as i
                      from token_entry where token is not null group by 1)
      select (select count(*) from domain_event_entry where payload_type like '%TaskSubmitted')
             - (select count(*) from domain_event_entry where payload_type like '%UpstreamTaskAccepted')
             || '|' || coalesce((select string_agg(processor_name || ':' || (g - i), ',' order by 1)
                                 from tokens, head where i < g), '')")
    elapsed=$(echo "$(date +%s.%N) - $t0" | bc)
    printf '%.1f|%s\n' "$elapsed" "$state" >> "$BENCH_OUT/drain-$label.txt"
    [ "${state%%|*}" -le 0 ] && [ -z "${state#*|}" ] && break
    if (( $(echo "$elapsed > $DRAIN_TIMEOUT" | bc) )); then
      log "$label: drain timed out after $DRAIN_TIMEOUT s; evidence in stall-$label-*.txt"
      jcmd "$APP_PID" Thread.print > "$BENCH_OUT/stall-$label-threads.txt" 2>/dev/null || true
      {
        psql_db reelay -c "select processor_name, segment, convert_from(token, 'UTF8'), owner from token_entry order by 1, 2"
        psql_db reelay -c "select 'head global_index', max(global_index) from domain_event_entry"
        psql_db reelay -c "select payload_type, count(*) from domain_event_entry group by 1 order by 2 desc"
        psql_db reelay -c "select 'upstream_call', operation, coalesce(http_status, -1), count(*) from upstream_call group by 2, 3"
        psql_db reelay -c "select 'scheduled_tasks', task_name, count(*), count(*) filter (where picked) from scheduled_tasks group by 2"
        psql_db reelay -c "select 'pg_stat_activity', state, wait_event_type, wait_event, count(*) from pg_stat_activity where datname = 'reelay' group by 2, 3, 4"
        prometheus "$APP_URL" | grep -E '^(hikaricp_connections_(active|pending|max)|executor_(active|queued)_tasks|reactor)' || true
      } > "$BENCH_OUT/stall-$label-state.txt" 2>&1
      python3 "$BENCH_DIR/lib/threaddump_summary.py" "$BENCH_OUT/stall-$label-threads.txt" > "$BENCH_OUT/stall-$label-threads-summary.txt" 2>&1 || true
      break
    fi
    sleep 0.5
  done
  printf '%.1f' "$elapsed"
}

sample_during() { # sample_during <label> <start after s> <samples>
  local label="$1" after="$2" samples="$3" i
  sleep "$after"
  for i in $(seq 1 "$samples"); do
    jcmd "$APP_PID" Thread.print > "$BENCH_OUT/threads-$label-$i.txt" 2>/dev/null || true
    psql_db reelay -c "select coalesce(wait_event_type,'CPU/none') || ':' || coalesce(wait_event,'-') || ' ' || state, count(*)
                       from pg_stat_activity where datname = 'reelay' and pid <> pg_backend_pid() group by 1 order by 2 desc" \
      >> "$BENCH_OUT/pg-waits-$label.txt" 2>/dev/null || true
    echo "--" >> "$BENCH_OUT/pg-waits-$label.txt"
    prometheus "$APP_URL" 2>/dev/null | grep -E '^hikaricp_connections_(active|pending|max|idle)' \
      >> "$BENCH_OUT/hikari-$label.txt" || true
    echo "--" >> "$BENCH_OUT/hikari-$label.txt"
    sleep 1
  done
}

# JFR starts before the warm-up: starting it instruments classes and throws compiled code away, which costs every
# thread several times its CPU until the JIT has compiled it again (started at the top step, it tripled that step's
# CPU per submission). Only the top step's window is dumped (app-c<top>.jfr); profile-c<top>.txt summarises it.
[ "$PROFILE" = 1 ] && { jcmd "$APP_PID" JFR.start name=bench settings=profile >/dev/null 2>&1 || true; }
warmup_slice() { # warmup_slice <seconds> <slice number>
  loadgen --url "$APP_URL/api/video/tasks" --method POST --body "$BODY" --bearer-file "$WORK/tokens.txt" \
    --concurrency "$WARMUP_CLIENTS" --duration "$1" --expect 201 --label "warmup-$2" --out "$WORK/warmup-$2.json" >/dev/null
  cat "$WORK/warmup-$2.json" >> "$BENCH_OUT/warmup-slices.jsonl"
}
warm_up "$WARMUP_CLIENTS clients" warmup_slice
log "warm-up drained in $(drain warmup) s"
IDLE_S="${IDLE_S:-10}"
before=$(cpu_snap "$APP_PID"); sleep "$IDLE_S"; after=$(cpu_snap "$APP_PID")
cpu_report "$before" "$after" | tee "$BENCH_OUT/cpu-app-idle.txt" >&2
IDLE_RATE=$(python3 -c 'import sys; b=sys.argv[1].split(); a=sys.argv[2].split(); print((int(a[1])-int(b[1]))/float(sys.argv[3])/(float(a[3])-float(b[3])))' "$before" "$after" "$(getconf CLK_TCK)")
log "idle app CPU: $IDLE_RATE CPU-s per s"
SQL_N0=$(submitted_count)
[ "$SQL_STATS" = 1 ] && psql_db reelay -c "select pg_stat_statements_reset()" >/dev/null

echo "clients app_per_s app_p50_ms app_p99_ms app_errors drain_s app_cpu_ms_per_submit pgbench_tps pgbench_p50_ms pgbench_p99_ms pg_cpu_ms_per_tx ratio_app/pgbench" > "$BENCH_OUT/summary.tsv"
TOP="$(echo "$CLIENTS" | awk '{print $NF}')"
for c in $CLIENTS; do
  log "app: $c clients for ${DURATION}s (+2 s unmeasured ramp)"
  SAMPLER=""
  if [ "$c" = "$TOP" ] && [ "$PROFILE" = 1 ]; then
    sample_during "c$c" $((DURATION / 3)) 5 &
    SAMPLER=$!
    JFR_BEGIN=$(date +%H:%M:%S)
  fi
  n0=$(submitted_count)
  before=$(cpu_snap "$APP_PID"); fake0=$(fake_jiffies)
  python3 "$BENCH_DIR/lib/thread_cpu.py" snap "$APP_PID" "$WORK/threads-before-c$c"
  loadgen --url "$APP_URL/api/video/tasks" --method POST --body "$BODY" --bearer-file "$WORK/tokens.txt" \
    --concurrency "$c" ${RATE:+--rate "$RATE"} --duration "$DURATION" --warmup 2 --max-requests "$MAX_REQUESTS" --expect 201 \
    --label "submit-c$c" --out "$BENCH_OUT/app-c$c.json" \
    ${TIMELINE:+--timeline-out "$BENCH_OUT/timeline-c$c.tsv"}
  if [ "$c" = "$TOP" ] && [ "$PROFILE" = 1 ]; then
    jcmd "$APP_PID" JFR.dump name=bench begin="$JFR_BEGIN" filename="$BENCH_OUT/app-c$c.jfr" >/dev/null 2>&1 || true
    jcmd "$APP_PID" JFR.stop name=bench >/dev/null 2>&1 || true
    wait "$SAMPLER" || true
  fi
  d=$(drain "c$c")
  after=$(cpu_snap "$APP_PID"); fake1=$(fake_jiffies)
  python3 "$BENCH_DIR/lib/thread_cpu.py" snap "$APP_PID" "$WORK/threads-after-c$c"
  n1=$(submitted_count)
  # where the app's CPU went, per thread group (JIT and GC included): thread-cpu-c*.txt
  python3 "$BENCH_DIR/lib/thread_cpu.py" diff "$WORK/threads-before-c$c" "$WORK/threads-after-c$c" "$((n1 - n0))" \
    > "$BENCH_OUT/thread-cpu-c$c.txt"
  log "app c$c: background work (projection + saga create) drained $d s after the load stopped"
  cpu_report "$before" "$after" "$((n1 - n0))" | tee "$BENCH_OUT/cpu-app-c$c.txt" >&2
  python3 -c 'import sys; b=sys.argv[1].split(); a=sys.argv[2].split(); hz=float(sys.argv[3]); n=int(sys.argv[4]); rate=float(sys.argv[5])
app=(int(a[1])-int(b[1]))/hz; secs=float(a[3])-float(b[3])
print(f"app CPU net of the idle rate ({rate:.3f} CPU-s/s over {secs:.1f} s): {1000*(app-rate*secs)/max(1,n):.2f} ms per submission")' \
    "$before" "$after" "$(getconf CLK_TCK)" "$((n1 - n0))" "$IDLE_RATE" | tee -a "$BENCH_OUT/cpu-app-c$c.txt" >&2
  if [ -n "$FAKE_PID" ]; then
    fake_cpu_line "$fake0" "$fake1" "$((n1 - n0))" submission | tee -a "$BENCH_OUT/cpu-app-c$c.txt" >&2
  else
    echo "provider: the in-process sandbox, its CPU inside the app's figure" | tee -a "$BENCH_OUT/cpu-app-c$c.txt" >&2
  fi

  log "pgbench: $c clients for ${DURATION}s"
  rm -f "$WORK"/pgb_log*
  before=$(cpu_snap "$APP_PID")
  # pgbench's backends live only for the run, so PostgreSQL's CPU is sampled while it runs (lib/pgcpu.py)
  PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=bench python3 "$BENCH_DIR/lib/pgcpu.py" "$(head -1 "$PG_DATA/postmaster.pid")" \
    "$WORK/pgcpu" -- pgbench -n -f "$WORK/insert.sql" -c "$c" -j "$c" -T "$DURATION" \
    -l --log-prefix="$WORK/pgb_log" pgb > "$BENCH_OUT/pgbench-c$c.txt" 2>&1
  after=$(cpu_snap "$APP_PID")
  tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$BENCH_OUT/pgbench-c$c.txt")
  cpu_report "$before" "$after" "${tx:-0}" "$(cat "$WORK/pgcpu")" | tee "$BENCH_OUT/cpu-pgbench-c$c.txt" >&2
  python3 "$BENCH_DIR/lib/submit_row.py" "$c" "$d" "$BENCH_OUT" "$WORK" >> "$BENCH_OUT/summary.tsv"
done

# evidence: what one submission writes, and what the threads were doing at the highest concurrency
psql_db reelay -c "select payload_type, count(*), round(avg(length(payload) + length(meta_data))) as avg_bytes
                   from domain_event_entry group by 1 order by 2 desc" > "$BENCH_OUT/events-written.txt"
N_SUB=$(submitted_count)
psql_db reelay -c "select relname, n_tup_ins, n_tup_upd, n_tup_del,
                          round((n_tup_ins + n_tup_upd + n_tup_del)::numeric / greatest(1, $N_SUB), 2) as row_writes_per_submission
                   from pg_stat_user_tables where n_tup_ins + n_tup_upd + n_tup_del > 0 order by 5 desc" \
  > "$BENCH_OUT/row-writes-per-table.txt"
if [ "$SQL_STATS" = 1 ]; then
  SQL_N=$(( $(submitted_count) - SQL_N0 ))
  psql_db reelay -c "select round(sum(calls)::numeric / $SQL_N, 1) as statements_per_submission,
                            round(sum(total_exec_time)::numeric / $SQL_N, 2) as exec_ms_per_submission
                     from pg_stat_statements s join pg_database d on d.oid = s.dbid where d.datname = 'reelay'" \
    > "$BENCH_OUT/sql-per-submission.txt"
  psql_db reelay -c "select round(calls::numeric / $SQL_N, 2) as per_submission, round(total_exec_time::numeric / $SQL_N, 3) as ms,
                            regexp_replace(left(query, 160), '\s+', ' ', 'g')
                     from pg_stat_statements s join pg_database d on d.oid = s.dbid where d.datname = 'reelay'
                     order by calls desc limit 60" >> "$BENCH_OUT/sql-per-submission.txt"
fi
last="$TOP"
if [ -f "$BENCH_OUT/app-c$last.jfr" ]; then
  python3 "$BENCH_DIR/lib/jfr_summary.py" "$BENCH_OUT/app-c$last.jfr" 30 > "$BENCH_OUT/profile-c$last.txt" 2>&1 || true
fi
if ls "$BENCH_OUT"/threads-c"$last"-*.txt >/dev/null 2>&1; then
  python3 "$BENCH_DIR/lib/threaddump_summary.py" "$BENCH_OUT"/threads-c"$last"-*.txt > "$BENCH_OUT/threads-c$last-summary.txt"
fi

log "summary (provisional: shared CPU, other builds ran on the same 2 cores):"
column -t "$BENCH_OUT/summary.tsv" | tee "$BENCH_OUT/summary.txt" >&2
cat "$BENCH_OUT"/cpu-*.txt >&2
[ -f "$BENCH_OUT/threads-c$last-summary.txt" ] && cat "$BENCH_OUT/threads-c$last-summary.txt" >&2
[ -f "$BENCH_OUT/profile-c$last.txt" ] && head -60 "$BENCH_OUT/profile-c$last.txt" >&2
cat "$BENCH_OUT/events-written.txt" "$BENCH_OUT/row-writes-per-table.txt" >&2
