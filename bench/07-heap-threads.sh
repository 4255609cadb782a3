#!/usr/bin/env bash
# Benchmark 7: memory and threads with many tasks in flight. The sandbox's jobs take 2 h, so every submitted task
# stays in flight and is polled on the default adaptive cadence (poll-initial 3 s, poll-max 20 s). At 0 tasks and
# after each step of STEPS tasks in flight: heap used after a full GC (jcmd GC.run, then GC.heap_info), Java
# thread count (jcmd Thread.print), OS threads and RSS (/proc), and whether polling keeps its cadence: the gaps
# between consecutive status polls of the same task over a SAMPLE_S window (p50/p99; the configured max is 20 s).
#
# Knobs: STEPS="2000" (cumulative in-flight targets, e.g. "2000 10000")  SETTLE_S=40  SAMPLE_S=40
# Bounded: submissions stop after 300 s per step; waits are capped.
. "$(dirname "$0")/lib/common.sh"

STEPS="${STEPS:-2000}"
SETTLE_S="${SETTLE_S:-40}"
SAMPLE_S="${SAMPLE_S:-40}"

machine_info
pg_start
createdb_bench reelay
# shellcheck disable=SC2046
app_start heap reelay --reelay.sandbox.job-duration=2h $(sandbox_provider_args 3s 1s 20s)
TOKEN="$(token "$APP_URL" bench)"
sql() { psql_db reelay "$@"; }

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
                 || ' gap_p50_s=' || round(percentile_cont(0.5) within group (order by gap)::numeric, 1)
                 || ' gap_p99_s=' || round(percentile_cont(0.99) within group (order by gap)::numeric, 1)
                 || ' gap_max_s=' || round(max(gap)::numeric, 1)
                 || ' scheduled_deadlines=' || (select count(*) from scheduled_tasks)
                 || ' overdue_deadlines(>5s)=' || (select count(*) from scheduled_tasks where execution_time < now() - interval '5 seconds')
          from g where gap is not null" | tee -a "$BENCH_OUT/poll-cadence.txt" >&2
}

echo "point in_flight heap_used_after_gc_mb heap_committed_mb java_threads os_threads rss_mb" > "$BENCH_OUT/summary.tsv"
sleep 10
measure idle-0

submitted=0
for target in $STEPS; do
  want=$((target - submitted))
  [ "$want" -le 0 ] && continue
  log "submitting $want tasks (in flight target $target)"
  loadgen --url "$APP_URL/api/video/tasks" --method POST --header "Authorization: Bearer $TOKEN" \
    --body '{"prompt":"in-flight task {n}: a slow pan over a harbour at night","model":"sora-2","seconds":4}' \
    --concurrency 8 --duration 300 --max-requests "$want" --expect 201 --label "submit-$target" \
    --out "$BENCH_OUT/submit-$target.json" >&2
  submitted=$(sql -c "select count(*) from domain_event_entry where payload_type like '%TaskSubmitted'")
  t0=$(date +%s)
  while [ "$(sql -c "select count(*) from upstream_binding")" -lt "$submitted" ] && [ $(( $(date +%s) - t0 )) -lt 240 ]; do
    sleep 2
  done
  log "upstream creates caught up $(( $(date +%s) - t0 )) s after the last submission ($(sql -c "select count(*) from upstream_binding") of $submitted bound)"
  sleep "$SETTLE_S"
  poll_cadence "inflight-$target"
  measure "inflight-$target"
done

log "summary (provisional: shared CPU; JVM defaults: $(java -XX:+PrintFlagsFinal -version 2>/dev/null | awk '/ MaxHeapSize /{printf "MaxHeapSize=%d MB", $4/1048576}')):"
column -t "$BENCH_OUT/summary.tsv" | tee "$BENCH_OUT/summary.txt" >&2
cat "$BENCH_OUT/poll-cadence.txt" >&2
head -12 "$BENCH_OUT/thread-pools-inflight-"*.txt >&2 || true
