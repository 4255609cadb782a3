#!/usr/bin/env bash
# Start-up time of the default run (embedded PostgreSQL): seconds from launch until
# `curl -sf 127.0.0.1:<port>/actuator/health` answers status UP.
#   fresh   = an empty REELAY_DATA_DIR (initdb, then every Flyway migration)
#   restart = the same directory again (PostgreSQL recovers nothing, Flyway has nothing to do)
# Variants: "jar"      = plain `java -jar $REELAY_JAR` (how production starts it; JVM defaults)
#           "reelay"   = the ./reelay dev launcher (extracted jar, AppCDS archive, C1 only); one untimed run first
#                        so its one-off build/extract/training happens outside the timings
#           "baseline" = plain `java -jar $BASELINE_JAR`, e.g. a build from before a change (added when set)
# The variants take turns within each run, so a change in the machine's load hits all of them alike.
# Each run uses its own temp data directory and a free loopback port; every app is stopped and the temp
# directories are deleted on exit. Nothing talks to anything but 127.0.0.1.
#
# Knobs: VARIANTS="jar reelay"  RUNS=5  START_TIMEOUT=120 (s per start)  REELAY_JAR (for "jar")  BASELINE_JAR
#        JAR_JAVA_OPTS (extra JVM options for the "jar" variant)
# Bounded: RUNS x 2 starts per variant, each at most START_TIMEOUT plus a 30 s stop; ~3-5 min with the defaults.
. "$(dirname "$0")/lib/common.sh"

VARIANTS="${VARIANTS:-${BASELINE_JAR:+baseline }jar reelay}"
RUNS="${RUNS:-5}"
START_TIMEOUT="${START_TIMEOUT:-120}"

machine_info
SUMMARY="$BENCH_OUT/summary.txt"
RAW="$BENCH_OUT/runs.tsv"
printf 'variant\tkind\trun\tseconds\tloadavg_1m_before\n' > "$RAW"

now_ms() { date +%s%3N; }

# launch <variant> <data dir> <port> <log>: starts the app in the background and sets LAUNCHED_PID.
launch() {
  local variant="$1" dir="$2" port="$3" out="$4"
  # simple commands put in the background: $! is then the JVM's own pid (./reelay execs java too), so SIGTERM
  # reaches the JVM and Spring's shutdown runs
  case "$variant" in
    jar)      REELAY_DATA_DIR="$dir" java ${JAR_JAVA_OPTS:-} -jar "$REELAY_JAR" --server.port="$port" > "$out" 2>&1 & ;;
    baseline) REELAY_DATA_DIR="$dir" java ${JAR_JAVA_OPTS:-} -jar "$BASELINE_JAR" --server.port="$port" > "$out" 2>&1 & ;;
    reelay)   REELAY_DATA_DIR="$dir" "$REPO_DIR/reelay" --server.port="$port" > "$out" 2>&1 & ;;
    *)        die "unknown variant $variant" ;;
  esac
  LAUNCHED_PID=$!
  echo "$LAUNCHED_PID" >> "$PIDFILE"
}

# wait_up <pid> <port>: polls health every 100 ms; fails if the app dies or START_TIMEOUT passes.
wait_up() {
  local pid="$1" port="$2" deadline=$(( $(now_ms) + START_TIMEOUT * 1000 ))
  until curl -sf -m 1 "http://127.0.0.1:$port/actuator/health" 2>/dev/null | grep -q '"status":"UP"'; do
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# stop <pid> <data dir>: SIGTERM (Spring closes the context, then the embedded PostgreSQL), bounded; a
# PostgreSQL left behind by a killed JVM is stopped by the pid in its own postmaster.pid.
stop() {
  local pid="$1" dir="$2" pg
  app_stop "$pid"
  pg=$(head -1 "$dir/pgdata/postmaster.pid" 2>/dev/null || true)
  if [ -n "$pg" ] && kill -0 "$pg" 2>/dev/null; then
    log "PostgreSQL $pg outlived its app; stopping it"
    kill -TERM "$pg" 2>/dev/null || true
  fi
}

# one_start <variant> <kind> <run> <data dir>: one timed start to UP, then a stop. Prints the seconds.
one_start() {
  local variant="$1" kind="$2" run="$3" dir="$4" port t0 t1 load secs out
  port=$(free_port)
  out="$BENCH_OUT/app-$variant-$kind-$run.log"
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(now_ms)
  launch "$variant" "$dir" "$port" "$out"
  if ! wait_up "$LAUNCHED_PID" "$port"; then
    stop "$LAUNCHED_PID" "$dir"
    die "$variant $kind run $run did not come up within $START_TIMEOUT s (log: $out)"
  fi
  t1=$(now_ms)
  stop "$LAUNCHED_PID" "$dir"
  secs=$(echo "scale=2; ($t1 - $t0) / 1000" | bc)
  printf '%s\t%s\t%s\t%s\t%s\n' "$variant" "$kind" "$run" "$secs" "$load" >> "$RAW"
  log "$variant $kind run $run: $secs s (load $load)"
}

for variant in $VARIANTS; do
  case "$variant" in
    reelay)   log "reelay: one untimed run (builds, extracts and trains the CDS archive when missing or stale)"
              one_start reelay warmup 0 "$WORK/warmup" ;;
    jar)      [ -f "$REELAY_JAR" ] || die "no jar at $REELAY_JAR (./mvnw -B -q -DskipTests package -pl infra -am)" ;;
    baseline) [ -f "${BASELINE_JAR:-}" ] || die "variant baseline needs BASELINE_JAR" ;;
  esac
done
echo "variants: $VARIANTS; jar: $REELAY_JAR${BASELINE_JAR:+; baseline: $BASELINE_JAR}" >> "$BENCH_OUT/machine.txt"
for run in $(seq 1 "$RUNS"); do
  for variant in $VARIANTS; do
    dir="$WORK/$variant-$run"
    one_start "$variant" fresh "$run" "$dir"
    one_start "$variant" restart "$run" "$dir"
    rm -rf "$dir"
  done
done

python3 - "$RAW" > "$SUMMARY" <<'PYEOF'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter='\t') if r['kind'] != 'warmup']
print(f"{'variant':8} {'kind':8} {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7} {'load1 med':>9}  all")
for variant in dict.fromkeys(r['variant'] for r in rows):
    for kind in ('fresh', 'restart'):
        s = [float(r['seconds']) for r in rows if r['variant'] == variant and r['kind'] == kind]
        load = [float(r['loadavg_1m_before']) for r in rows if r['variant'] == variant and r['kind'] == kind]
        if s:
            print(f"{variant:8} {kind:8} {len(s):>4} {statistics.median(s):>9.2f} {min(s):>7.2f} {max(s):>7.2f} "
                  f"{statistics.median(load):>9.2f}  "
                  + ' '.join(f'{x:.2f}' for x in s))
PYEOF
cat "$SUMMARY" >&2
