#!/usr/bin/env bash
# Benchmark 9: what durability costs the default run. The jar in the default profile on its embedded PostgreSQL
# (as ./reelay runs it, fresh data directory), once durable (fsync and synchronous_commit on: the default since
# issue 15) and once as before (reelay.embedded-db.durable=false: zonky's -F and synchronous_commit=off), each with
# durable-sounding but different guarantees: only the first keeps a 201'd task through a power cut or OS crash.
# For each: start-up until /actuator/health is UP, then POST /api/video/tasks at 1 and 8 clients (throughput,
# p50/p99, CPU per submission). Upstream work as in benchmark 1: sandbox with 1 h jobs, one create per task.
# Then the commit itself, without the app: pgbench, one client, one ~500-byte insert per transaction, on the same
# embedded server (PGBENCH_S seconds): the per-commit price of the flush, which app latency hides under CPU load.
#
# Knobs: CLIENTS="1 8"  DURATION=20 (s per step)  WARMUP_S=10  MODES="durable fast"
# Bounded: about 2 x (start-up + WARMUP_S + 2 x DURATION + PGBENCH_S + 30 s stop); 4-12 min with the defaults
# (start-up alone took 140 s per mode on a loaded 2-core machine).
. "$(dirname "$0")/lib/common.sh"

CLIENTS="${CLIENTS:-1 8}"
DURATION="${DURATION:-20}"
WARMUP_S="${WARMUP_S:-10}"
MODES="${MODES:-durable fast}"
MAX_REQUESTS="${MAX_REQUESTS:-200000}"
PGBENCH_S="${PGBENCH_S:-15}"

machine_info
BODY='{"prompt":"benchmark submission {n}: a red fox running through fresh snow at dawn, cinematic, 35mm","model":"sora-2","seconds":4}'
MAX_CLIENTS=$(printf '%s\n' $CLIENTS | sort -n | tail -1)

echo "mode startup_s clients per_s p50_ms p99_ms errors app_cpu_ms pg_cpu_ms fsync synchronous_commit" > "$BENCH_OUT/summary.tsv"
echo "mode pgbench_c1_tps pgbench_c1_avg_latency_ms" > "$BENCH_OUT/pgbench.tsv"
cat > "$WORK/insert.sql" <<'EOF'
\set r random(1, 2000000000)
insert into bench_insert(payload) values (md5(:r::text) || repeat('x', 468));
EOF
for mode in $MODES; do
  durable=true; [ "$mode" = fast ] && durable=false
  data="$WORK/data-$mode"
  PG_DATA="$data/pgdata"      # cpu_snap reads the embedded server's postmaster.pid from here
  port="$(free_port)"
  launched=$(date +%s.%N)
  # shellcheck disable=SC2046
  REELAY_DATA_DIR="$data" java ${APP_JAVA_OPTS} -jar "$REELAY_JAR" --server.port="$port" --server.address=127.0.0.1 \
    --reelay.embedded-db.durable=$durable --reelay.sandbox.job-duration=1h $(sandbox_provider_args 10m 1s 20s) \
    --reelay.rate-limit.per-user.burst=100000000 --reelay.rate-limit.per-address.burst=100000000 \
    --reelay.guardrails.max-concurrent=100000 --reelay.guardrails.quota.video-seconds=1000000000 \
    ${APP_EXTRA_ARGS:-} > "$BENCH_OUT/app-$mode.log" 2>&1 &
  APP_PID=$!
  echo "$APP_PID" >> "$PIDFILE"
  APP_URL="http://127.0.0.1:$port"
  until curl -fs -m 2 "$APP_URL/actuator/health" 2>/dev/null | grep -q '"UP"'; do
    kill -0 "$APP_PID" 2>/dev/null || { tail -40 "$BENCH_OUT/app-$mode.log" >&2; die "app ($mode) exited during start-up"; }
    (( $(echo "$(date +%s.%N) - $launched > ${APP_START_TIMEOUT:-300}" | bc) )) && die "app ($mode) not healthy in time"
    sleep 0.2
  done
  startup=$(printf '%.1f' "$(echo "$(date +%s.%N) - $launched" | bc)")
  pg_port=$(sed -n 4p "$PG_DATA/postmaster.pid")
  settings=$(psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -X -q -At -F ' ' \
    -c "select current_setting('fsync'), current_setting('synchronous_commit')")
  log "$mode: healthy after $startup s; embedded PostgreSQL on $pg_port with fsync/synchronous_commit = $settings"
  for i in $(seq 1 "$MAX_CLIENTS"); do token "$APP_URL" "bench-$i"; done > "$WORK/tokens.txt"

  loadgen --url "$APP_URL/api/video/tasks" --method POST --body "$BODY" --bearer-file "$WORK/tokens.txt" \
    --concurrency "$MAX_CLIENTS" --duration "$WARMUP_S" --expect 201 --label "warmup-$mode" \
    --out "$BENCH_OUT/warmup-$mode.json" >/dev/null
  for c in $CLIENTS; do
    before=$(cpu_snap "$APP_PID")
    loadgen --url "$APP_URL/api/video/tasks" --method POST --body "$BODY" --bearer-file "$WORK/tokens.txt" \
      --concurrency "$c" --duration "$DURATION" --warmup 2 --max-requests "$MAX_REQUESTS" --expect 201 \
      --label "$mode-c$c" --out "$BENCH_OUT/$mode-c$c.json" >/dev/null
    after=$(cpu_snap "$APP_PID")
    ok=$(json_get "$BENCH_OUT/$mode-c$c.json" measured_ok)
    cpu_report "$before" "$after" "$ok" | tee "$BENCH_OUT/cpu-$mode-c$c.txt" >&2
    per_unit=$(sed -n 's/.*per unit: app \([0-9.]*\) ms + postgres \([0-9.]*\) ms.*/\1 \2/p' "$BENCH_OUT/cpu-$mode-c$c.txt")
    echo "$mode $startup $c $(json_get "$BENCH_OUT/$mode-c$c.json" throughput_per_s) \
$(json_get "$BENCH_OUT/$mode-c$c.json" p50_ms) $(json_get "$BENCH_OUT/$mode-c$c.json" p99_ms) \
$(json_get "$BENCH_OUT/$mode-c$c.json" errors_or_unexpected) ${per_unit:-nan nan} $settings" >> "$BENCH_OUT/summary.tsv"
    log "$mode c$c: $(tail -1 "$BENCH_OUT/summary.tsv")"
  done
  psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -X -q \
    -c "create table bench_insert(id bigserial primary key, payload text not null)"
  pgbench -h 127.0.0.1 -p "$pg_port" -U postgres -n -f "$WORK/insert.sql" -c 1 -T "$PGBENCH_S" postgres \
    > "$BENCH_OUT/pgbench-$mode.txt" 2>&1
  echo "$mode $(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$BENCH_OUT/pgbench-$mode.txt") \
$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$BENCH_OUT/pgbench-$mode.txt")" >> "$BENCH_OUT/pgbench.tsv"
  log "$mode pgbench c1: $(tail -1 "$BENCH_OUT/pgbench.tsv")"
  app_stop "$APP_PID"
done

log "summary (shared CPU: other builds ran on the same 2 cores):"
column -t "$BENCH_OUT/summary.tsv" | tee "$BENCH_OUT/summary.txt" >&2
column -t "$BENCH_OUT/pgbench.tsv" | tee -a "$BENCH_OUT/summary.txt" >&2
