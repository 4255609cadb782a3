#!/usr/bin/env bash
# Benchmark 10: the audit hash chain (issue 17, ADR 0011) over an event store of EVENTS events (default 1,000,000).
#
# Seeds the store like benchmark 4 (one real task, cloned with SQL under owners rebuild-1..rebuild-N; the clones
# bypass the app, so none of them is chained yet), starts the app and measures:
#   a. catch-up: how long the chaining step (reelay.audit.batch events per transaction) takes to chain every event;
#   b. GET /api/admin/audit/verify over the whole store (recompute every digest and the running hash, compare with
#      the chain and the signed checkpoints), VERIFY_RUNS times, over real HTTP.
# Knobs: EVENTS=1000000 VERIFY_RUNS=3
. "$(dirname "$0")/lib/common.sh"

EVENTS="${EVENTS:-1000000}"
VERIFY_RUNS="${VERIFY_RUNS:-3}"

# every app of the run (the seeding one too) signs checkpoints with one key, as the nodes of a cluster must
export APP_EXTRA_ARGS="--reelay.audit.signing-key=$WORK/checkpoint-key.jwk ${APP_EXTRA_ARGS:-}"

machine_info
pg_start
createdb_bench reelay
sql() { psql_db reelay "$@"; }
. "$(dirname "$0")/lib/seed-events.sh"
seed_event_store

app_launch audit reelay --reelay.sandbox.job-duration=1h
t0=$(date +%s.%N)
app_wait audit
while true; do
  chained=$(sql -c "select count(*) from audit_chain")
  [ "$chained" -ge "$TOTAL" ] && break
  kill -0 "$APP_PID" 2>/dev/null || die "app exited while chaining"
  sleep 1
done
t1=$(date +%s.%N)
CATCH_UP=$(python3 -c "print(round($t1 - $t0, 1))")
log "chained $chained events in $CATCH_UP s after launch (includes the app's start-up)"
sql -c "select pg_size_pretty(pg_total_relation_size('audit_chain'))" | tee "$BENCH_OUT/audit-chain-size.txt"

ADMIN="$(token "$APP_URL" auditor admin)"
for i in $(seq 1 "$VERIFY_RUNS"); do
  curl -fs -m 900 -o "$BENCH_OUT/verify-$i.json" -w '%{time_total}\n' "$APP_URL/api/admin/audit/verify" \
    -H "Authorization: Bearer $ADMIN" > "$BENCH_OUT/verify-$i.time"
  log "verify run $i: $(cat "$BENCH_OUT/verify-$i.time") s: $(cat "$BENCH_OUT/verify-$i.json")"
done

python3 - "$BENCH_OUT" "$TOTAL" "$CATCH_UP" "$VERIFY_RUNS" <<'PY' | tee "$BENCH_OUT/summary.json"
import json, sys
out, total, catch_up, runs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
times = [float(open(f"{out}/verify-{i}.time").read()) for i in range(1, runs + 1)]
reports = [json.load(open(f"{out}/verify-{i}.json"))["data"] for i in range(1, runs + 1)]
print(json.dumps({"events": total, "chain_catch_up_s_incl_start": catch_up, "verify_s": times,
                  "verify_events_per_s": [round(r["checked"] / t) for r, t in zip(reports, times)],
                  "ok": [r["ok"] for r in reports], "checked": reports[0]["checked"],
                  "checkpoints": reports[0]["checkpoints"]}, indent=1))
PY
