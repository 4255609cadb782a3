#!/usr/bin/env bash
# Ad-hoc A/B behind docs/benchmarks.md "Start-up time": ./reelay on the pre-change jar (a copy of ./reelay in
# /tmp/basetree with the 5a2d55f jar as infra/target/infra-0.1.0-SNAPSHOT.jar) against ./reelay on this branch.
# ad-hoc A/B: ./reelay on the pre-change jar (no early start) vs ./reelay on the current jar, alternating
set -u
now_ms() { date +%s%3N; }
one() { # <script> <dir> <label>
  local port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local t0=$(now_ms) load=$(cut -d' ' -f1 /proc/loadavg)
  REELAY_DATA_DIR="$2" "$1" --server.port=$port > "$2.log" 2>&1 &
  local pid=$!
  until curl -sf -m 1 http://127.0.0.1:$port/actuator/health 2>/dev/null | grep -q UP; do
    kill -0 $pid 2>/dev/null || { echo "$3 died"; return; }; sleep 0.1; done
  echo "$3 $(( $(now_ms) - t0 )) ms load $load"
  kill -TERM $pid; for i in $(seq 1 300); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  kill -0 $pid 2>/dev/null && kill -KILL $pid
  local pg=$(head -1 "$2/pgdata/postmaster.pid" 2>/dev/null); [ -n "$pg" ] && kill -TERM "$pg" 2>/dev/null
}
W=$(mktemp -d)
one /tmp/basetree/reelay $W/warm base-warmup 2>/dev/null
for r in 1 2 3 4 5; do
  one /tmp/basetree/reelay $W/b$r base-fresh; one /tmp/basetree/reelay $W/b$r base-restart
  one /work/startup/reelay $W/n$r new-fresh; one /work/startup/reelay $W/n$r new-restart
done
rm -rf "$W"
