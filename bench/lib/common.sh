# shellcheck shell=bash
# Shared helpers for the Reelay benchmarks. Source it from a bench/NN-*.sh script:
#   . "$(dirname "$0")/lib/common.sh"
# It starts a throw-away PostgreSQL 15 (Debian binaries) on a free loopback port, starts the app jar against it,
# and removes both on exit (trap). Nothing here talks to anything but 127.0.0.1.
#
# Environment knobs (all optional):
#   REELAY_JAR     app jar (default: <repo>/infra/target/infra-0.1.0-SNAPSHOT.jar)
#   APP_EXTRA_ARGS more Spring arguments for every app the benchmark starts (e.g. --reelay.consistency.write-wait=0s)
#   PG_BIN         PostgreSQL server binaries (default /usr/lib/postgresql/15/bin)
#   BENCH_OUT      where results go (default /tmp/reelay-bench-results/<script>-<utc time>)
#   APP_JAVA_OPTS  JVM options for the app (default: the container image's G1 pause target, -XX:MaxGCPauseMillis=20;
#                  set it to "" for the JVM's defaults, as every run before 2026-12-06 15:00 UTC had)
#   PG_OPTS        extra "-c name=value" options for the PostgreSQL server
#   KEEP_WORK=1    keep the temp dir (database, logs) after exit
#   APP_PORT       the port of the next app_launch (default: a free one), e.g. to start a stopped node again where
#                  its clients expect it

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
REELAY_JAR="${REELAY_JAR:-$REPO_DIR/infra/target/infra-0.1.0-SNAPSHOT.jar}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
APP_JAVA_OPTS="${APP_JAVA_OPTS--XX:MaxGCPauseMillis=20}"
SCRIPT_NAME="$(basename "$0" .sh)"
BENCH_OUT="${BENCH_OUT:-/tmp/reelay-bench-results/${SCRIPT_NAME}-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$BENCH_OUT"

WORK="$(mktemp -d "${BENCH_TMP:-/tmp}/reelay-bench.XXXXXX")"
chmod 755 "$WORK"
PIDFILE="$WORK/app.pids"
: > "$PIDFILE"
PG_PORT=""
PG_DATA="$WORK/pgdata"

# One key per run for the in-process sandbox; the app inherits it from the environment (no literal keys).
export REELAY_SANDBOX_API_KEY="${REELAY_SANDBOX_API_KEY:-bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$BENCH_OUT/run.log" >&2; }
die() { log "FATAL: $*"; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------- cleanup
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  [ -f "$BENCH_OUT/machine.txt" ] && echo "loadavg_at_end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$BENCH_OUT/machine.txt"
  local pid
  while read -r pid; do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
  done < "$PIDFILE"
  for _ in $(seq 1 30); do
    local alive=0
    while read -r pid; do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && alive=1; done < "$PIDFILE"
    [ "$alive" = 0 ] && break
    sleep 1
  done
  while read -r pid; do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done < "$PIDFILE"
  if [ -n "$PG_PORT" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1
  fi
  if [ "${KEEP_WORK:-0}" = 1 ]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  log "results in $BENCH_OUT (exit $rc)"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- machine / context
machine_info() {
  {
    echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "nproc: $(nproc)"
    echo "cpu_model: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory_gib_total: $(free -g | awk '/^Mem:/{print $2}')"
    echo "loadavg_at_start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "java: $(java -version 2>&1 | head -1)"
    echo "postgres: $("$PG_BIN/postgres" --version)"
    echo "jar: $REELAY_JAR ($(stat -c %y "$REELAY_JAR" 2>/dev/null | cut -d. -f1))"
    echo "app_java_opts: ${APP_JAVA_OPTS:-none}"
    echo "git_head: $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo n/a)"
    echo "note: ${BENCH_NOTE:-none} (other processes' CPU shows as 'everything else' in the cpu lines)"
    echo "other_java_processes_at_start: $(pgrep -c java || true)"
  } > "$BENCH_OUT/machine.txt"
  cat "$BENCH_OUT/machine.txt" >&2
}

# CPU accounting for a window: total busy jiffies of the machine vs the app JVM vs the PostgreSQL processes.
# CPU time per request is much less sensitive to other developers' load than wall-clock latency is.
# Usage: cpu_snap <app_pid>  -> prints "total_busy app pg wall_seconds" (jiffies, jiffies, jiffies, s).
cpu_snap() {
  local app_pid="$1"
  local busy app pg=0 p
  busy=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat)
  app=$(awk '{print $14+$15}' "/proc/$app_pid/stat" 2>/dev/null || echo 0)
  local postmaster
  postmaster=$(head -1 "$PG_DATA/postmaster.pid" 2>/dev/null || echo "")
  if [ -n "$postmaster" ]; then
    for p in $postmaster $(pgrep -P "$postmaster" || true); do
      pg=$((pg + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
  fi
  echo "$busy $app $pg $(date +%s.%N)"
}
# Usage: cpu_report "<snap before>" "<snap after>" [units done in the window] [postgres CPU s measured by pgcpu.py]
# One line: the machine's busy share, CPU seconds of the app JVM, of PostgreSQL and of everything else, and with a
# unit count the CPU milliseconds per unit. (PostgreSQL backends that exited inside the window are not counted.)
cpu_report() {
  python3 - "$1" "$2" "${3:-0}" "$(nproc)" "$(getconf CLK_TCK)" "${4:-}" <<'PYEOF'
import sys
b = sys.argv[1].split(); a = sys.argv[2].split(); units = float(sys.argv[3]); ncpu = int(sys.argv[4]); hz = float(sys.argv[5])
busy, app, pg = [(int(a[i]) - int(b[i])) / hz for i in range(3)]
if sys.argv[6]:
    pg = float(sys.argv[6])
secs = float(a[3]) - float(b[3]); cap = secs * ncpu
line = (f"cpu over {secs:.1f}s wall: machine busy {busy:.1f}s of {cap:.1f}s ({100*busy/cap:.0f}%); app JVM {app:.1f}s; "
        f"postgres {pg:.1f}s; everything else (load generator + other developers' builds) {max(0.0, busy-app-pg):.1f}s")
if units > 0:
    line += (f"; per unit: app {1000*app/units:.2f} ms + postgres {1000*pg/units:.2f} ms CPU "
             f"-> ceiling on {ncpu} dedicated cores ~{ncpu*units/max(1e-9, app+pg):.0f}/s")
print(line)
PYEOF
}

# ---------------------------------------------------------------- PostgreSQL
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  [ -x "$PG_BIN/postgres" ] || die "no PostgreSQL server binaries in $PG_BIN"
  PG_PORT="$(free_port)"
  mkdir -p "$PG_DATA" "$WORK/pgsock" "$WORK/pglog"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DATA" "$WORK/pgsock" "$WORK/pglog"; fi
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U bench -A trust -E UTF8 --no-locale >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
  PG_SERVER_OPTS="-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$WORK/pgsock -c max_connections=300 \
     -c shared_buffers=512MB -c work_mem=16MB -c maintenance_work_mem=256MB -c timezone=UTC ${PG_OPTS:-}"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pglog/postgres.log" -w -t 60 start -o "$PG_SERVER_OPTS" \
    >/dev/null || { cat "$WORK/pglog/postgres.log" >&2; die "postgres did not start"; }
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (data $PG_DATA; fsync and synchronous_commit at their defaults: on)"
  psql_db postgres -c "select 'fsync=' || current_setting('fsync') || ' synchronous_commit=' || current_setting('synchronous_commit') || ' shared_buffers=' || current_setting('shared_buffers')" \
    >> "$BENCH_OUT/machine.txt"
}

# pg_stop_start <down-seconds>: a fast shutdown (open connections are terminated), <down-seconds> with no server,
# and a start on the same port and data; prints the epoch ms of the stop and of the server accepting again.
pg_stop_start() {
  local stopped up
  stopped=$(date +%s%3N)
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null || die "postgres did not stop"
  sleep "$1"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pglog/postgres.log" -w -t 60 start -o "$PG_SERVER_OPTS" \
    >/dev/null || { tail -20 "$WORK/pglog/postgres.log" >&2; die "postgres did not start again"; }
  up=$(date +%s%3N)
  echo "$stopped $up"
}

# psql_db <db> [psql args...]: quiet, unaligned, stop on error.
psql_db() {
  local db="$1"; shift
  PGCONNECT_TIMEOUT=10 psql -h 127.0.0.1 -p "$PG_PORT" -U bench -d "$db" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

createdb_bench() { psql_db postgres -c "create database $1"; }

# ---------------------------------------------------------------- the app
# Full provider[0] definition (Spring Boot replaces a list as a whole, so every field must be given).
# sandbox_provider_args <poll-initial> <poll-min> <poll-max> [webhooks=false] [webhook-secret] [webhook-safety-poll]
# (give-up-after is SANDBOX_GIVE_UP, default 30m)
sandbox_provider_args() {
  local p="--reelay.providers[0]"
  printf '%s\n' "$p.id=sandbox" "$p.format=openai-videos" "$p.base-url=local:/sandbox/v1" "$p.api-key=\${REELAY_SANDBOX_API_KEY}" \
    "$p.priority=100" "$p.models=sora-2,sora-2-pro,sora_video2" "$p.idempotency-keys=true" \
    "$p.poll-initial=$1" "$p.poll-min=$2" "$p.poll-max=$3" "$p.give-up-after=${SANDBOX_GIVE_UP:-30m}" "$p.webhooks=${4:-false}"
  [ -n "${5:-}" ] && printf '%s\n' "$p.webhook-secret=$5"
  [ -n "${6:-}" ] && printf '%s\n' "$p.webhook-safety-poll=$6"
  return 0
}

# app_launch <name> <db> [extra spring args...]: starts the app without waiting; sets APP_PID and APP_URL
# (also written to $WORK/<name>.pid/.port/.url).
# The guardrails (rate limits, per-user cap and quota) are lifted: a benchmark's few users stand for many.
app_launch() {
  local name="$1" db="$2"; shift 2
  [ -f "$REELAY_JAR" ] || die "no app jar at $REELAY_JAR (build it: ./mvnw -B -q install -DskipTests)"
  local port; port="${APP_PORT:-$(free_port)}"
  mkdir -p "$WORK/data-$name"
  # shellcheck disable=SC2086
  java ${APP_JAVA_OPTS} -jar "$REELAY_JAR" \
    --server.port="$port" --server.address=127.0.0.1 \
    --reelay.embedded-db.enabled=false \
    --spring.datasource.url="jdbc:postgresql://127.0.0.1:$PG_PORT/$db" \
    --spring.datasource.username=bench --spring.datasource.password= \
    --reelay.data-dir="$WORK/data-$name" \
    --reelay.security.dev-issuer=true --reelay.sandbox.enabled=true \
    --reelay.rate-limit.per-user.burst=100000000 --reelay.rate-limit.per-address.burst=100000000 \
    --reelay.guardrails.max-concurrent=100000 --reelay.guardrails.quota.video-seconds=1000000000 \
    ${APP_EXTRA_ARGS:-} "$@" > "$BENCH_OUT/app-$name.log" 2>&1 &
  APP_PID=$!
  echo "$APP_PID" >> "$PIDFILE"
  echo "$APP_PID" > "$WORK/$name.pid"
  echo "$port" > "$WORK/$name.port"
  APP_URL="http://127.0.0.1:$port"
  echo "$APP_URL" > "$WORK/$name.url"
  # the arguments as given, with any secret's value left out (webhook secrets are per run, but still secrets)
  printf '%s\n' "$@" | sed -E 's/^(--[^=]*(secret|api-key|password)=)[^$].*$/\1<redacted>/' > "$BENCH_OUT/app-$name.args"
  date +%s > "$WORK/$name.launched"
}

# app_wait <name>: waits (at most APP_START_TIMEOUT, default 600 s) until the app answers UP on /actuator/health; sets APP_PID and APP_URL.
app_wait() {
  local name="$1"
  APP_PID="$(cat "$WORK/$name.pid")"; APP_URL="$(cat "$WORK/$name.url")"
  local started; started="$(cat "$WORK/$name.launched")"
  while true; do
    if curl -fs -m 2 "$APP_URL/actuator/health" 2>/dev/null | grep -q '"UP"'; then break; fi
    kill -0 "$APP_PID" 2>/dev/null || { tail -40 "$BENCH_OUT/app-$name.log" >&2; die "app $name exited during start-up"; }
    [ $(( $(date +%s) - started )) -gt "${APP_START_TIMEOUT:-600}" ] && { tail -40 "$BENCH_OUT/app-$name.log" >&2; die "app $name not healthy after ${APP_START_TIMEOUT:-600} s"; }
    sleep 1
  done
  log "app $name up on $APP_URL (pid $APP_PID) after $(( $(date +%s) - started )) s"
}

# app_start <name> <db> [extra spring args...]: app_launch + app_wait.
app_start() {
  local name="$1"
  app_launch "$@"
  app_wait "$name"
}

app_stop() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# token <app_url> <sub> [role]: a dev-issuer bearer token.
token() {
  local url="$1" sub="$2" role="${3:-user}"
  curl -fs -m 10 -XPOST "$url/dev/token" -H 'Content-Type: application/json' \
    -d "{\"sub\":\"$sub\",\"roles\":[\"$role\"]}" | sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p' | grep .
}  # sed, not python: a Python start costs ~0.8 s here, and benchmark 5 asks for 1,000 tokens

# prometheus <app_url>: the Prometheus scrape; metrics need the admin role (token cached per shell).
prometheus() {
  local url="$1"
  if [ -z "${PROMETHEUS_TOKEN:-}" ]; then
    PROMETHEUS_TOKEN=$(token "$url" bench-scraper admin) || return 1
  fi
  curl -fs -m 5 "$url/actuator/prometheus" -H "Authorization: Bearer $PROMETHEUS_TOKEN"
}

# deadline_sampler <app_pid> <file>: once a second, while the app runs, how many db-scheduler executions are due and
# not picked, how many of those are more than 2 s late, the oldest one's lateness (s) and all scheduled ones. Run it in
# the background; deadline_lateness <file> <label> <from epoch s> [<to epoch s>] prints the worst in that window.
deadline_sampler() {
  echo "t due_unpicked late_over_2s oldest_late_s scheduled" > "$2"
  while kill -0 "$1" 2>/dev/null; do
    psql_db reelay -c "select extract(epoch from now())::bigint, count(*) filter (where not picked and execution_time <= now()),
        count(*) filter (where not picked and execution_time < now() - interval '2 seconds'),
        coalesce(round(extract(epoch from now() - min(execution_time) filter (where not picked and execution_time <= now()))::numeric, 2), 0),
        count(*) from scheduled_tasks" 2>/dev/null | tr '|' ' ' >> "$2" || true
    sleep 1
  done
}
deadline_lateness() {
  awk -v from="$3" -v to="${4:-9999999999}" -v label="$2" 'NR > 1 && $1 >= from && $1 < to { n++; if ($4 > worst) worst = $4; if ($3 > 0) bad++ }
    END { printf "%s samples=%d worst_oldest_late_s=%.2f samples_with_late_over_2s=%d\n", label, n, worst, bad }' "$1"
}

# ---------------------------------------------------------------- load generator
LOADGEN_CLASSES="$WORK/loadgen"
loadgen() {
  if [ ! -f "$LOADGEN_CLASSES/LoadGen.class" ]; then
    mkdir -p "$LOADGEN_CLASSES"
    javac -d "$LOADGEN_CLASSES" "$BENCH_DIR/lib/LoadGen.java"
  fi
  # LOADGEN_CLIENT=jdk: the JDK's HttpClient, as every run before 2026-12-07 (LoadGen.java: the socket client is the default)
  java -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$LOADGEN_CLASSES" LoadGen \
    ${LOADGEN_CLIENT:+--client "$LOADGEN_CLIENT"} "$@"
}

# json_get <file> <key> : one value from a flat JSON object
json_get() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(v)' "$1" "$2"; }

# ---------------------------------------------------------------- warm-up until the JIT settles
# A benchmark's warm-up: WARMUP_S seconds of load at least, then, with JIT_SETTLE=1, 20 s more at a time
# until the app's JIT compiler threads (lib/thread_cpu.py's "JIT compilers" group, per thread from /proc) used less
# than JIT_SETTLED_PCT (3) % of a core over the last slice, WARMUP_MAX_S (900) in all at most. JIT_SETTLE=0: WARMUP_S
# alone. On 2 slow cores C2 was still compiling 3 min into the load and took 8-30 % of the app's CPU in the measured
# steps (docs/benchmarks.md, 2026-12-06, fourteenth session). Each slice's compiler CPU goes to warmup-jit.txt.

# whole_knob <name> <least>: exits, naming the knob, unless its value is a whole number of at least <least>
whole_knob() {
  [[ "${!1}" =~ ^[0-9]+$ ]] && [ "${!1}" -ge "$2" ] || { echo "$1 must be a whole number of at least $2, not '${!1}'" >&2; exit 1; }
}

# warm_up_knobs <default WARMUP_S> <default JIT_SETTLE>: the knobs' defaults, checked before anything starts
warm_up_knobs() {
  WARMUP_S="${WARMUP_S:-$1}"
  JIT_SETTLE="${JIT_SETTLE:-$2}"
  JIT_SETTLED_PCT="${JIT_SETTLED_PCT:-3}"
  WARMUP_MAX_S="${WARMUP_MAX_S:-900}"
  whole_knob WARMUP_S 0
  whole_knob WARMUP_MAX_S 0
  [ "$WARMUP_MAX_S" -ge "$WARMUP_S" ] || { echo "WARMUP_MAX_S ($WARMUP_MAX_S) is below WARMUP_S ($WARMUP_S)" >&2; exit 1; }
}

# warm_up <what> <slice command>: runs "<slice command> <seconds> <slice number>" as above; logs <what> (the load)
warm_up() {
  local what="$1" slice_cmd="$2" warmed=0 slice=1 seconds="$WARMUP_S" settled=no jit_s pct t0 t1
  # one snap between two slices: the after of one is the before of the next
  python3 "$BENCH_DIR/lib/thread_cpu.py" snap "$APP_PID" "$WORK/jit-before"; t0=$(date +%s.%N)
  grep -q "$(printf '\tC[12] Compiler')" "$WORK/jit-before" \
    || log "warm-up: no JIT compiler thread found in the app (-Xint? another compiler?): it cannot wait for the JIT"
  log "warm-up: ${WARMUP_S}s at $what (not reported)$([ "$JIT_SETTLE" = 1 ] && echo ", then until the JIT settles (< ${JIT_SETTLED_PCT} % of a core over 20 s, ${WARMUP_MAX_S}s at most)")"
  echo "slice seconds jit_cpu_s jit_pct_of_a_core" > "$BENCH_OUT/warmup-jit.txt"
  while true; do
    "$slice_cmd" "$seconds" "$slice"
    python3 "$BENCH_DIR/lib/thread_cpu.py" snap "$APP_PID" "$WORK/jit-after"; t1=$(date +%s.%N)
    warmed=$((warmed + seconds))
    jit_s=$(python3 "$BENCH_DIR/lib/thread_cpu.py" seconds "$WORK/jit-before" "$WORK/jit-after" "JIT compilers")
    pct=$(printf '%.1f' "$(echo "100 * $jit_s / ($t1 - $t0)" | bc -l)")
    echo "$slice $seconds $jit_s $pct" >> "$BENCH_OUT/warmup-jit.txt"
    [ "$JIT_SETTLE" = 1 ] || break
    if (( $(echo "$pct < $JIT_SETTLED_PCT" | bc -l) )); then settled=yes; break; fi
    if [ $((warmed + 20)) -gt "$WARMUP_MAX_S" ]; then log "warm-up: the JIT had not settled after ${warmed}s (${pct} % of a core)"; break; fi
    slice=$((slice + 1)); seconds=20
    mv "$WORK/jit-after" "$WORK/jit-before"; t0=$t1
  done
  echo "warmed up for ${warmed}s; the JIT's last slice ${pct} % of a core; settled: $([ "$JIT_SETTLE" = 1 ] && echo "$settled" || echo "not waited for")" >> "$BENCH_OUT/warmup-jit.txt"
  log "warm-up: ${warmed}s in all; the JIT compilers used ${pct} % of a core in its last slice"
}
