# shellcheck shell=bash
# Helpers of the cluster benchmarks (12, 13), sourced after common.sh: the fake provider every node calls, the
# provider settings that point a node at it, the wait until the nodes share the saga's segments, and the client.

# fake_start: the OpenAI Videos fake (lib/fake_provider.py) on a free loopback port; sets FAKE_PORT, FAKE_LOG, FAKE_PID.
# CREATE_DELAY_MS and JOB_MS pass through the environment.
fake_start() {
  FAKE_PORT="$(free_port)"
  FAKE_LOG="$BENCH_OUT/provider-creates.tsv"
  : > "$FAKE_LOG"
  python3 "$BENCH_DIR/lib/fake_provider.py" "$FAKE_PORT" "$FAKE_LOG" > "$BENCH_OUT/fake-provider.log" 2>&1 &
  FAKE_PID=$!
  echo "$FAKE_PID" >> "$PIDFILE"
  for _ in $(seq 1 50); do
    curl -fs -m 1 "http://127.0.0.1:$FAKE_PORT/stats" > /dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fs -m 1 "http://127.0.0.1:$FAKE_PORT/stats" > /dev/null || die "the fake provider did not start"
  log "fake provider on 127.0.0.1:$FAKE_PORT (create answers after ${CREATE_DELAY_MS:-3000} ms, jobs of ${JOB_MS:-5000} ms)"
}

fake_stat() {  # fake_stat <python expression over s, the /stats object>
  curl -fs -m 2 "http://127.0.0.1:$FAKE_PORT/stats" | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}

# fake_provider_args <node> [poll-initial poll-min poll-max]: the whole reelay.providers[0] entry for a node (its
# calls go to /<node>/v1 on the fake, so the fake's log says which node sent each create); polls default to 1s 1s 5s.
fake_provider_args() {
  local p="--reelay.providers[0]"
  printf '%s\n' "$p.id=fake" "$p.format=openai-videos" "$p.base-url=http://127.0.0.1:$FAKE_PORT/$1/v1" \
    "$p.api-key=\${REELAY_SANDBOX_API_KEY}" "$p.models=sora-2" "$p.idempotency-keys=true" \
    "$p.poll-initial=${2:-1s}" "$p.poll-min=${3:-1s}" "$p.poll-max=${4:-5s}" "$p.give-up-after=30m"
}

# fake_jiffies: the fake provider's CPU so far (jiffies), 0 when there is none (FAKE_PID empty).
fake_jiffies() { if [ -n "${FAKE_PID:-}" ]; then awk '{print $14+$15}' "/proc/$FAKE_PID/stat"; else echo 0; fi; }

# fake_cpu_line <jiffies before> <jiffies after> <units> <unit>: the fake's CPU per unit, one line.
fake_cpu_line() {
  python3 -c 'import sys; print(f"provider fake (a separate process, not in the app or postgres figures): {1000*(int(sys.argv[2])-int(sys.argv[1]))/float(sys.argv[3])/max(1,int(sys.argv[4])):.2f} ms CPU per {sys.argv[5]}")' \
    "$1" "$2" "$(getconf CLK_TCK)" "$3" "$4"
}

# two_nodes: the machine's description, PostgreSQL (database reelay), the fake provider and nodes a and b on them,
# waited for until healthy and sharing the saga's segments; sets URL_A, URL_B and PID_B.
two_nodes() {
  machine_info
  pg_start
  createdb_bench reelay
  fake_start
  # shellcheck disable=SC2046
  app_launch a reelay $(fake_provider_args a) --reelay.content.archive-on-complete=false
  # shellcheck disable=SC2046
  app_launch b reelay $(fake_provider_args b) --reelay.content.archive-on-complete=false
  app_wait a; URL_A="$APP_URL"
  app_wait b; URL_B="$APP_URL"; PID_B="$APP_PID"
  await_saga_shared reelay 180
}

# await_saga_shared <db> <timeout s>: until two owners hold two upstream-saga segments each.
await_saga_shared() {
  local t0; t0=$(date +%s)
  until [ "$(psql_db "$1" -c "select string_agg(n::text, ',' order by n) from (select count(*) n from token_entry
              where processor_name = 'upstream-saga' and owner is not null group by owner) c")" = "2,2" ]; do
    [ $(( $(date +%s) - t0 )) -gt "$2" ] && die "the saga's segments were not shared by two nodes within $2 s"
    sleep 0.5
  done
  log "upstream-saga segments shared 2 + 2 after $(( $(date +%s) - t0 )) s"
}

CLIENT_CLASSES="$WORK/clusterclient"
cluster_client() {
  if [ ! -f "$CLIENT_CLASSES/ClusterClient.class" ]; then
    mkdir -p "$CLIENT_CLASSES"
    javac -d "$CLIENT_CLASSES" "$BENCH_DIR/lib/ClusterClient.java"
  fi
  java -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$CLIENT_CLASSES" ClusterClient "$@"
}

# completed_count <db> <ids table>: tasks of the table with a TaskCompleted event.
completed_count() {
  psql_db "$1" -c "select count(distinct e.aggregate_identifier) from domain_event_entry e join $2 b
                   on e.aggregate_identifier = b.video_id where e.payload_type like '%.TaskCompleted'"
}

# task_events_tsv <db> <ids table> <file>: video id, event, epoch ms, external job id (acceptances) for the tasks.
task_events_tsv() {
  psql_db "$1" -F $'\t' -c "select e.aggregate_identifier, regexp_replace(e.payload_type, '.*\\.', ''),
      (extract(epoch from e.time_stamp::timestamptz) * 1000)::bigint,
      case when e.payload_type like '%.UpstreamTaskAccepted' then convert_from(e.payload, 'UTF8')::json->>'externalTaskId' else '' end
    from domain_event_entry e join $2 b on e.aggregate_identifier = b.video_id
    where e.payload_type similar to '%.(TaskSubmitted|UpstreamTaskAccepted|TaskCompleted|TaskFailed)'
    order by e.global_index" > "$3"
}
