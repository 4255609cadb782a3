#!/usr/bin/env bash
# Benchmark 3: how soon Reelay notices that the provider finished a job, and how many upstream calls that costs.
#
# The sandbox provider's jobs take JOB_DURATION (default 60 s instead of a real ~3 min, to fit the time box).
# Variants (TASKS tasks each):
#   adaptive      default cadence: poll-initial 3s, poll-min 1s, poll-max 30s (as in application.yml)
#   fixed30       poll-initial = poll-min = poll-max = 30s (baseline)
#   fixed15       poll-initial = poll-min = poll-max = 15s (baseline)
#   webhook       provider webhooks on (safety poll at its default 60s); this script plays the provider's webhook
#                 sender, POSTing a Standard-Webhooks-signed video.completed when the sandbox job completes
#                 (the in-process sandbox does not send webhooks itself)
#   hint          adaptive + the sandbox answers every retrieve with "openai-poll-after-ms: $HINT_MS"
#   adaptive-s200 adaptive with db-scheduler polling every 200 ms instead of 1 s (diagnostic: deadline pick-up)
# To keep start-up cost low on a shared 2-core machine, ONE app ("multi") hosts adaptive, fixed30, fixed15 and
# webhook as four providers in front of the same in-process sandbox, each serving its own model (bench-<variant>);
# "hint" and "adaptive-s200" change app-wide settings and get an app each. All apps use one PostgreSQL (one
# database each) and run at the same time.
# Delay = TaskCompleted event time (GET /api/video/tasks/{id}/history) - sandbox completion (created_at + duration
# from sandbox_job). Calls = rows of GET /api/video/tasks/{id}/upstream-calls. Duplicate creates = sandbox_job rows
# beyond one per task.
#
# Knobs: TASKS=10 JOB_DURATION=60 (s) HINT_MS=5000 APPS="multi hint s200"
# Bounded: apps start together (<= APP_START_TIMEOUT, 600 s), then run JOB_DURATION + <= 120 s.
. "$(dirname "$0")/lib/common.sh"

TASKS="${TASKS:-10}"
JOB_DURATION="${JOB_DURATION:-60}"
HINT_MS="${HINT_MS:-5000}"
APPS="${APPS:-multi hint s200}"
WEBHOOK_SECRET="whsec_$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(24)).decode())')"

machine_info
pg_start

# provider_args <index> <id> <model> <poll-initial> <poll-min> <poll-max> [webhooks] [secret]
provider_args() {
  local p="--reelay.providers[$1]"
  printf '%s\n' "$p.id=$2" "$p.format=openai-videos" "$p.base-url=local:/sandbox/v1" "$p.api-key=\${REELAY_SANDBOX_API_KEY}" \
    "$p.priority=100" "$p.models=$3" "$p.idempotency-keys=true" "$p.poll-initial=$4" "$p.poll-min=$5" \
    "$p.poll-max=$6" "$p.give-up-after=30m" "$p.webhooks=${7:-false}"
  [ -n "${8:-}" ] && printf '%s\n' "$p.webhook-secret=$8"
  return 0
}
model_args() { # model_args <index> <model>
  local m="--reelay.capabilities.models[$1]"
  printf '%s\n' "$m.id=$2" "$m.sizes=720x1280" "$m.seconds=4" "$m.media-types=VIDEO" "$m.image-input=false"
}
app_args() {
  case "$1" in
    multi)
      model_args 0 bench-adaptive; model_args 1 bench-fixed30; model_args 2 bench-fixed15; model_args 3 bench-webhook
      provider_args 0 sandbox bench-adaptive 3s 1s 30s
      provider_args 1 fixed30 bench-fixed30 30s 30s 30s
      provider_args 2 fixed15 bench-fixed15 15s 15s 15s
      provider_args 3 wh bench-webhook 3s 1s 30s true "$WEBHOOK_SECRET" ;;
    hint)  model_args 0 bench-hint; provider_args 0 sandbox bench-hint 3s 1s 30s
           echo "--reelay.sandbox.poll-after-ms=$HINT_MS" ;;
    s200)  model_args 0 bench-adaptive-s200; provider_args 0 sandbox bench-adaptive-s200 3s 1s 30s
           echo "--db-scheduler.polling-interval=200ms" ;;
    *) die "unknown app $1" ;;
  esac
}
variants_of() {
  case "$1" in multi) echo "adaptive fixed30 fixed15 webhook" ;; hint) echo hint ;; s200) echo adaptive-s200 ;; esac
}
provider_of() {
  case "$1" in fixed30) echo fixed30 ;; fixed15) echo fixed15 ;; webhook) echo wh ;; *) echo sandbox ;; esac
}

declare -A URL TOK APP_OF
VARIANTS=""
for a in $APPS; do
  createdb_bench "cd_$a"
  mapfile -t args < <(app_args "$a")
  app_launch "$a" "cd_$a" --reelay.sandbox.job-duration="${JOB_DURATION}s" "${args[@]}"
  for v in $(variants_of "$a"); do APP_OF[$v]=$a; VARIANTS="$VARIANTS $v"; done
  sleep 5
done
for a in $APPS; do
  app_wait "$a"
  URL[$a]="$APP_URL"; TOK[$a]="$(token "$APP_URL" bench)"
done

if [ -n "${APP_OF[webhook]:-}" ]; then
  a=${APP_OF[webhook]}
  PSQL="psql -h 127.0.0.1 -p $PG_PORT -U bench -d cd_$a -X -q -At" \
    python3 "$BENCH_DIR/lib/webhook_sender.py" "${URL[$a]}" wh "$WEBHOOK_SECRET" "$TASKS" \
    $((JOB_DURATION + 150)) "$BENCH_OUT/webhooks-sent.log" > "$BENCH_OUT/webhook-sender.out" 2>&1 &
  echo $! >> "$PIDFILE"
fi

log "submitting $TASKS tasks to each of:$VARIANTS (sandbox jobs take ${JOB_DURATION}s)"
for i in $(seq 1 "$TASKS"); do   # interleaved, so every variant sees the same moments
  for v in $VARIANTS; do
    a=${APP_OF[$v]}
    curl -fs -m 30 -XPOST "${URL[$a]}/api/video/tasks" -H "Authorization: Bearer ${TOK[$a]}" \
      -H 'Content-Type: application/json' \
      -d "{\"prompt\":\"completion detection $v $i\",\"model\":\"bench-$v\",\"seconds\":4}" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["videoId"])' >> "$BENCH_OUT/ids-$v.txt"
  done
done

deadline=$(( $(date +%s) + JOB_DURATION + 120 ))
log "waiting for completions (at most until $(date -u -d @"$deadline" +%H:%M:%S))"
while [ "$(date +%s)" -lt "$deadline" ]; do
  pending=0
  for a in $APPS; do
    n=$(psql_db "cd_$a" -c "select count(*) from task_view where status in ('COMPLETED','FAILED','CANCELLED','EXPIRED')")
    [ "$n" -lt $((TASKS * $(variants_of "$a" | wc -w))) ] && pending=1
  done
  [ "$pending" = 0 ] && break
  sleep 2
done
sleep 3   # let the last call-log rows land (they are written asynchronously)

echo "variant tasks completed delay_p50_s delay_p99_s delay_max_s retrieves_per_job(mean/max) calls_per_job(mean/max) create_calls sandbox_jobs_for_variant duplicate_creates" \
  > "$BENCH_OUT/summary.tsv"
for v in $VARIANTS; do
  a=${APP_OF[$v]}; prov=$(provider_of "$v")
  psql_db "cd_$a" -F'|' -c "select b.video_id, b.external_task_id,
                               (extract(epoch from j.created_at) * 1000 + j.duration_ms)::bigint
                        from upstream_binding b join sandbox_job j on j.id = b.external_task_id
                        where b.provider_id = '$prov'" > "$BENCH_OUT/sandbox-$v.txt"
  ids=$(sed "s/.*/'&'/" "$BENCH_OUT/ids-$v.txt" | paste -sd, -)
  jobs=$(psql_db "cd_$a" -c "select count(*) from sandbox_job where idempotency_key in ($ids) or id in
                             (select external_task_id from upstream_binding where video_id in ($ids))")
  wlog=""; [ "$v" = webhook ] && wlog="$BENCH_OUT/webhooks-sent.log"
  python3 "$BENCH_DIR/lib/completion_report.py" "$v" "${URL[$a]}" "${TOK[$a]}" "$BENCH_OUT/ids-$v.txt" \
    "$BENCH_OUT/sandbox-$v.txt" "$BENCH_OUT/result-$v.json" $wlog > /dev/null
  python3 - "$BENCH_OUT/result-$v.json" "$jobs" >> "$BENCH_OUT/summary.tsv" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1])); jobs = int(sys.argv[2])
print(r["variant"], r["tasks"], r["completed"], r["delay_p50_s"], r["delay_p99_s"], r["delay_max_s"],
      f'{r["retrieve_calls_mean"]}/{r["retrieve_calls_max"]}', f'{r["all_calls_mean"]}/{r["all_calls_max"]}',
      r["create_calls_total"], jobs, jobs - r["tasks"])
if r.get("after_webhook_p50_s") is not None:
    print(f'# webhook: TaskCompleted after the webhook was sent: p50 {r["after_webhook_p50_s"]} s, p99 {r["after_webhook_p99_s"]} s',
          file=open(sys.argv[1].replace("result-webhook.json", "webhook-own-delay.txt"), "w"))
EOF
  # the cadence actually used: gaps (s) between consecutive retrieves of the same task
  psql_db "cd_$a" -c "select coalesce(string_agg(gap::text, ' ' order by video_id, id), '') from (
      select c.video_id, c.id, round(extract(epoch from c.called_at - lag(c.called_at) over (partition by c.video_id order by c.id))::numeric, 1) as gap
      from upstream_call c where c.operation = 'retrieve' and c.video_id in ($ids)) g where gap is not null" \
    > "$BENCH_OUT/retrieve-gaps-$v.txt"
done
for a in $APPS; do
  echo "app $a: sandbox_job rows $(psql_db "cd_$a" -c "select count(*) from sandbox_job"), tasks $(psql_db "cd_$a" -c "select count(*) from task_view")" \
    >> "$BENCH_OUT/duplicates.txt"
done
if [ -s "$BENCH_OUT/webhooks-sent.log" ]; then
  sed -n 's/.*lag_ms=\([-0-9]*\).*/\1/p' "$BENCH_OUT/webhooks-sent.log" | sort -n \
    | awk '{a[NR]=$1} END {if (NR) printf "webhook sender lag after sandbox completion: min %d ms, max %d ms (%d sent)\n", a[1], a[NR], NR}' \
    > "$BENCH_OUT/webhook-sender-lag.txt"
fi

log "summary (provisional: shared CPU; sandbox jobs ${JOB_DURATION}s instead of ~3 min):"
column -t "$BENCH_OUT/summary.tsv" | tee "$BENCH_OUT/summary.txt" >&2
cat "$BENCH_OUT/duplicates.txt" "$BENCH_OUT/webhook-sender-lag.txt" "$BENCH_OUT/webhook-own-delay.txt" 2>/dev/null >&2 || true
