#!/usr/bin/env bash
# Benchmark 8: SSE resume (Last-Event-ID) against an event store of EVENTS events (default 1,000,000), issue 20.
#
# Seeds the store like benchmark 4 (one real task, cloned with SQL under owners rebuild-1..rebuild-N), starts the app
# and measures, over real HTTP:
#   a. a resume from the start of time: expected an "event: reset" (beyond reelay.sse.max-replay-events), and how fast;
#   b. one resume from RESUME_BACK positions behind the head (inside the bound) by the owner of the last cloned task:
#      the time until all of that owner's events have been replayed;
#   c. CONCURRENT such resumes at once (the owners of the last CONCURRENT tasks), while GET /actuator/health is timed
#      every 100 ms: replays run on the hub's bounded pool, not on request threads.
# Knobs: EVENTS=1000000 RESUME_BACK=9000 CONCURRENT=50
. "$(dirname "$0")/lib/common.sh"

EVENTS="${EVENTS:-1000000}"
RESUME_BACK="${RESUME_BACK:-9000}"
CONCURRENT="${CONCURRENT:-50}"

machine_info
pg_start
createdb_bench reelay
sql() { psql_db reelay "$@"; }
. "$(dirname "$0")/lib/seed-events.sh"
seed_event_store

app_start resume reelay --reelay.sandbox.job-duration=1h
LAST_OWNER_N=$(sql -c "select max(substring(aggregate_identifier from 'account:rebuild-([0-9]+)')::int) from domain_event_entry where aggregate_identifier like 'account:rebuild-%'")
for i in $(seq 0 "$CONCURRENT"); do
  printf '%s %s\n' "rebuild-$((LAST_OWNER_N - i))" "$(token "$APP_URL" "rebuild-$((LAST_OWNER_N - i))")"
done > "$WORK/owners.txt"
log "store: $TOTAL events, head $HEAD; resuming as the owners of the last $CONCURRENT cloned tasks ($PER_TASK events each)"

APP_URL="$APP_URL" HEAD="$HEAD" RESUME_BACK="$RESUME_BACK" CONCURRENT="$CONCURRENT" PER_TASK="$PER_TASK" \
  OWNERS="$WORK/owners.txt" python3 - <<'PY' | tee "$BENCH_OUT/summary.json"
import http.client, json, os, threading, time, urllib.parse

url = urllib.parse.urlparse(os.environ["APP_URL"])
head, back, concurrent, per_task = (int(os.environ[k]) for k in ("HEAD", "RESUME_BACK", "CONCURRENT", "PER_TASK"))
owners = [line.split() for line in open(os.environ["OWNERS"])]

def resume(token, last_id, want_events, timeout=120):
    """Seconds until want_events data lines (or a reset) arrived; and whether a reset came."""
    t0 = time.monotonic()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    conn.request("GET", "/api/video/tasks/stream", headers={"Authorization": "Bearer " + token,
                 "Last-Event-ID": str(last_id), "Accept": "text/event-stream"})
    r = conn.getresponse()
    if r.status != 200:
        return {"status": r.status, "seconds": time.monotonic() - t0}
    seen, reset = 0, False
    while time.monotonic() - t0 < timeout:
        line = r.fp.readline().decode().strip()
        if line.replace(" ", "") == "event:reset":  # Spring writes "event:reset", without the space
            reset = True
        if line.startswith("data:"):
            if reset:
                break
            seen += 1
            if seen >= want_events:
                break
    conn.close()
    return {"status": 200, "seconds": round(time.monotonic() - t0, 3), "events": seen, "reset": reset}

def pct(values, p):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p * len(values)))], 3) if values else None

out = {"head": head, "resume_back": back, "concurrent": concurrent}
out["a_from_start"] = resume(owners[0][1], 0, 1)
out["b_one_within_bound"] = resume(owners[0][1], head - back, per_task)

health, stop = [], threading.Event()
def poll_health():
    while not stop.is_set():
        t0 = time.monotonic()
        c = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        c.request("GET", "/actuator/health"); c.getresponse().read(); c.close()
        health.append(time.monotonic() - t0)
        time.sleep(0.1)
results = [None] * concurrent
def one(i):
    results[i] = resume(owners[i + 1][1], head - back, per_task)
poller = threading.Thread(target=poll_health); poller.start()
t0 = time.monotonic()
threads = [threading.Thread(target=one, args=(i,)) for i in range(concurrent)]
[t.start() for t in threads]; [t.join() for t in threads]
wall = time.monotonic() - t0
stop.set(); poller.join()
ok = [r["seconds"] for r in results if r["status"] == 200 and r["events"] >= per_task]
out["c_concurrent"] = {"wall_s": round(wall, 3), "complete": len(ok),
                       "statuses": {str(s): sum(1 for r in results if r["status"] == s) for s in {r["status"] for r in results}},
                       "p50_s": pct(ok, 0.5), "p99_s": pct(ok, 0.99), "max_s": pct(ok, 1.0),
                       "health_ms_p50": round(1000 * pct(health, 0.5), 1), "health_ms_max": round(1000 * max(health), 1),
                       "health_samples": len(health)}
print(json.dumps(out, indent=1))
PY
log "results in $BENCH_OUT"
