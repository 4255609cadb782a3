#!/usr/bin/env bash
# Benchmark 7: memory, threads and deadlines with many tasks in flight. The sandbox's jobs take 2 h, so every
# submitted task stays in flight for the whole run. At 0 tasks and after each step of STEPS tasks in flight: heap used
# after a full GC (jcmd GC.run, then GC.heap_info), Java thread count (jcmd Thread.print), OS threads and RSS (/proc),
# and whether polling keeps its cadence: the gaps between consecutive status polls of the same task over a SAMPLE_S
# window (p50/p99).
#
# Two modes (MODE):
#   poll     (default) the provider has no webhooks: every task is polled on the adaptive cadence (poll-initial 3 s,
#            poll-max 20 s), so N tasks in flight cost ~N/20 status calls a second.
#   webhook  the provider announces completions by webhook (none arrive here: the jobs outlast the run), so each task
#            keeps one safety poll (SAFETY_POLL, default 5m, the product default) and its give-up deadline.
# Through the whole run a sampler reads db-scheduler's table every second: how many due deadlines are not yet picked
# and how late the oldest is (deadlines-late.tsv). For every task: the time from its submission (task_view.created_at)
# to its first create call at the provider (upstream_call), per step (reach-provider.txt).
#
# Knobs: STEPS="2000" (cumulative in-flight targets, e.g. "2000 10000")  MODE=poll|webhook  SAFETY_POLL=5m
#        CLIENTS=8 (one user per client)  SETTLE_S=40  SAMPLE_S=40  STEP_LIMIT_S=300
#        HOLD_S=0: after the last step, keep that many tasks in flight HOLD_S more seconds with no new submissions
#        (more than SAFETY_POLL, to take in whole waves of safety polls) and report the lateness and polls of that window
#        PROBE=200: after each step, that many more tasks from one client, one at a time; their submission -> create
#        times say how fast a new task reaches the provider at that level, apart from the step's own backlog
# Bounded: submissions stop after STEP_LIMIT_S per step; waits are capped. Jobs give up after SANDBOX_GIVE_UP (3h
# here, so no task leaves the in-flight set during a run).
. "$(dirname "$0")/lib/common.sh"

STEPS="${STEPS:-2000}"
MODE="${MODE:-poll}"
SAFETY_POLL="${SAFETY_POLL:-5m}"
CLIENTS="${CLIENTS:-8}"
SETTLE_S="${SETTLE_S:-40}"
SAMPLE_S="${SAMPLE_S:-40}"
STEP_LIMIT_S="${STEP_LIMIT_S:-300}"
PROBE="${PROBE:-200}"
HOLD_S="${HOLD_S:-0}"
export SANDBOX_GIVE_UP="${SANDBOX_GIVE_UP:-3h}"

machine_info
pg_start
createdb_bench reelay
case "$MODE" in
  poll) provider=$(sandbox_provider_args 3s 1s 20s) ;;
  webhook) provider=$(sandbox_provider_args 3s 1s 20s true \
             "whsec_$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(24)).decode())')" "$SAFETY_POLL") ;;
  *) die "MODE is poll or webhook, not $MODE" ;;
esac
echo "mode=$MODE steps=$STEPS clients=$CLIENTS safety_poll=$SAFETY_POLL" > "$BENCH_OUT/knobs.txt"
# shellcheck disable=SC2086
app_start heap reelay --reelay.sandbox.job-duration=2h $provider
for i in $(seq 1 "$CLIENTS"); do token "$APP_URL" "bench-$i"; done > "$WORK/tokens.txt"
sql() { psql_db reelay "$@"; }

deadline_sampler "$APP_PID" "$BENCH_OUT/deadlines-late.tsv" &  # the lateness of due deadlines, once a second
SAMPLER_PID=$!

measure() { # measure <label>
  local label="$1"
  jcmd "$APP_PID" GC.run > /dev/null
  sleep 2
  jcmd "$APP_PID" GC.heap_info > "$BENCH_OUT/heap-$label.txt"
  jcmd "$APP_PID" Thread.print > "$BENCH_OUT/threads-$label.txt"
  local heap_used_kb heap_committed_kb java_threads os_threads rss_mb
  heap_used_kb=$(grep -m1 -oE 'total [0-9]+K, used [0-9]+K' "$BENCH_OUT/heap-$label.txt" | sed -E 's/.*used ([0-9]+)K/\1/')
  heap_committed_kb=$(grep -m1 -oE 'total [0-9]+K' "$BENCH_OUT/heap-$label.txt" | sed -E 's/total ([0-9]+)K/\1/')
  java_threads=$(grep -c '^"' "$BENCH_OUT/threads-$label.txt")
  os_threads=$(awk '/^Threads:/{print $2}' "/proc/$APP_PID/status")
  rss_mb=$(( $(awk '/^VmRSS:/{print $2}' "/proc/$APP_PID/status") / 1024 ))
  local inflight
  inflight=$(sql -c "select count(*) from task_view where status in ('QUEUED','PROCESSING')")
  # thread names with numbers folded, to see which pools grew
  grep -oE '^"[^"]+"' "$BENCH_OUT/threads-$label.txt" | sed -E 's/[0-9]+/#/g' | sort | uniq -c | sort -rn \
    > "$BENCH_OUT/thread-pools-$label.txt"
  echo "$label $inflight $((heap_used_kb / 1024)) $((heap_committed_kb / 1024)) $java_threads $os_threads $rss_mb" \
    | tee -a "$BENCH_OUT/summary.tsv" >&2
}

poll_cadence() { # poll_cadence <label>: gaps between consecutive retrieves of one task over the last SAMPLE_S s
  local label="$1"
  local before after
  before=$(sql -c "select count(*) from upstream_call where operation = 'retrieve'")
  sleep "$SAMPLE_S"
  after=$(sql -c "select count(*) from upstream_call where operation = 'retrieve'")
  sql -c "with g as (
            select extract(epoch from called_at - lag(called_at) over (partition by video_id order by id)) as gap
            from upstream_call where operation = 'retrieve' and called_at > now() - interval '$((SAMPLE_S + 25)) seconds')
          select '$label retrieves_per_s=' || round(($after - $before) / $SAMPLE_S::numeric, 1)
                 || ' gap_p50_s=' || coalesce(round(percentile_cont(0.5) within group (order by gap)::numeric, 1)::text, '-')
                 || ' gap_p99_s=' || coalesce(round(percentile_cont(0.99) within group (order by gap)::numeric, 1)::text, '-')
                 || ' gap_max_s=' || coalesce(round(max(gap)::numeric, 1)::text, '-')
                 || ' scheduled_deadlines=' || (select count(*) from scheduled_tasks)
                 || ' overdue_deadlines(>5s)=' || (select count(*) from scheduled_tasks where execution_time < now() - interval '5 seconds')
          from g" | tee -a "$BENCH_OUT/poll-cadence.txt" >&2
}

submit_tasks() { # submit_tasks <label> <count> <clients> <limit s> <prompt>: 4 s sora-2 tasks, one user per client
  loadgen --url "$APP_URL/api/video/tasks" --method POST --bearer-file "$WORK/tokens.txt" \
    --body "{\"prompt\":\"$5\",\"model\":\"sora-2\",\"seconds\":4}" \
    --concurrency "$3" --duration "$4" --max-requests "$2" --expect 201 --label "$1" --out "$BENCH_OUT/$1.json" >&2
}

reach_provider() { # reach_provider <label> <epoch s>: submission -> first create call, tasks submitted since then
  sql -c "with t as (
            select extract(epoch from (select min(called_at) from upstream_call c
                                       where c.video_id = v.video_id and c.operation = 'create') - v.created_at) as s
            from task_view v where v.created_at >= to_timestamp($2))
          select '$1 tasks=' || count(*) || ' not_reached=' || count(*) filter (where s is null)
                 || ' p50_s=' || round(percentile_cont(0.5) within group (order by s)::numeric, 2)
                 || ' p99_s=' || round(percentile_cont(0.99) within group (order by s)::numeric, 2)
                 || ' max_s=' || round(max(s)::numeric, 2)
                 || ' over_2s=' || count(*) filter (where s > 2)
          from t" | tee -a "$BENCH_OUT/reach-provider.txt" >&2
}

lateness() { # lateness <label> <epoch s>: the sampler's worst since then
  deadline_lateness "$BENCH_OUT/deadlines-late.tsv" "$1" "$2" | tee -a "$BENCH_OUT/lateness.txt" >&2
}

echo "point in_flight heap_used_after_gc_mb heap_committed_mb java_threads os_threads rss_mb" > "$BENCH_OUT/summary.tsv"
sleep 10
measure idle-0

submitted=0
for target in $STEPS; do
  want=$((target - submitted))
  [ "$want" -le 0 ] && continue
  log "submitting $want tasks (in flight target $target)"
  step_t0=$(date +%s)
  submit_tasks "submit-$target" "$want" "$CLIENTS" "$STEP_LIMIT_S" "in-flight task {n}: a slow pan over a harbour at night"
  submitted=$(sql -c "select count(*) from domain_event_entry where payload_type like '%TaskSubmitted'")
  t0=$(date +%s)
  while [ "$(sql -c "select count(*) from upstream_binding")" -lt "$submitted" ] && [ $(( $(date +%s) - t0 )) -lt 240 ]; do
    sleep 2
  done
  log "upstream creates caught up $(( $(date +%s) - t0 )) s after the last submission ($(sql -c "select count(*) from upstream_binding") of $submitted bound)"
  reach_provider "inflight-$target" "$step_t0"
  sleep "$SETTLE_S"
  poll_cadence "inflight-$target"
  lateness "inflight-$target" "$step_t0"
  measure "inflight-$target"
  if [ "$PROBE" -gt 0 ]; then # a few tasks at an easy pace: how fast a new task reaches the provider at this level
    probe_t0=$(date +%s)
    submit_tasks "probe-$target" "$PROBE" 1 120 "probe task {n}: a lighthouse in fog"
    sleep 5
    reach_provider "probe-at-$target" "$probe_t0"
    submitted=$(sql -c "select count(*) from domain_event_entry where payload_type like '%TaskSubmitted'")
  fi
done

if [ "$HOLD_S" -gt 0 ]; then # the last level held through whole safety-poll cycles: its steady state, waves included
  log "holding $(sql -c "select count(*) from task_view where status in ('QUEUED','PROCESSING')") tasks in flight for $HOLD_S s"
  hold_t0=$(date +%s)
  before=$(sql -c "select count(*) from upstream_call where operation = 'retrieve'")
  sleep "$HOLD_S"
  after=$(sql -c "select count(*) from upstream_call where operation = 'retrieve'")
  echo "hold-$HOLD_S retrieves_per_s=$(( (after - before) / HOLD_S ))" | tee -a "$BENCH_OUT/poll-cadence.txt" >&2
  lateness "hold-$HOLD_S" "$hold_t0"
  measure "hold-$HOLD_S"
fi

log "summary (provisional: shared CPU; JVM defaults: $(java -XX:+PrintFlagsFinal -version 2>/dev/null | awk '/ MaxHeapSize /{printf "MaxHeapSize=%d MB", $4/1048576}')):"
column -t "$BENCH_OUT/summary.tsv" | tee "$BENCH_OUT/summary.txt" >&2
cat "$BENCH_OUT/poll-cadence.txt" "$BENCH_OUT/reach-provider.txt" "$BENCH_OUT/lateness.txt" >&2
kill "$SAMPLER_PID" 2>/dev/null || true
head -12 "$BENCH_OUT/thread-pools-inflight-"*.txt >&2 || true
