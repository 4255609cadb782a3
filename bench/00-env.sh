#!/usr/bin/env bash
# Not a benchmark: starts the same throw-away PostgreSQL + app the benchmarks use and keeps them up for
# ENV_MINUTES (default 20) or until Ctrl-C, printing how to reach them. Handy to poke at a run by hand.
# Extra arguments go to the app, e.g.  bench/00-env.sh --reelay.sandbox.job-duration=60s
. "$(dirname "$0")/lib/common.sh"
ENV_MINUTES="${ENV_MINUTES:-20}"
pg_start
createdb_bench reelay
app_start env reelay "$@"
cat >&2 <<EOF
app:      $APP_URL   (pid $APP_PID, log $BENCH_OUT/app-env.log)
psql:     psql -h 127.0.0.1 -p $PG_PORT -U bench reelay
token:    curl -s -XPOST $APP_URL/dev/token -H 'Content-Type: application/json' -d '{"sub":"bench"}'
up for $ENV_MINUTES min (Ctrl-C stops everything)
EOF
echo "APP_URL=$APP_URL PG_PORT=$PG_PORT APP_PID=$APP_PID" > "$BENCH_OUT/env.txt"
sleep $((ENV_MINUTES * 60)) &
wait $!
