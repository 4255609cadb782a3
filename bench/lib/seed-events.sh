# shellcheck shell=bash
# seed_event_store: fills the benchmark database "reelay" with about $EVENTS real events. Starts the app once, submits
# one task through the sandbox and waits until it is completed and archived, stops the app, then clones that task's
# stream and its owner's account stream with SQL under fresh task ids and owners (rebuild-1, rebuild-2, ...); every
# processor's token is moved to the head so nothing reacts to the clones. Sets TEMPLATE, TOTAL and HEAD.
# Needs common.sh (pg_start, createdb_bench reelay) and a sql() function.
seed_event_store() {
  app_start seed reelay --reelay.sandbox.job-duration=3s $(sandbox_provider_args 1s 1s 2s)
  TOKEN="$(token "$APP_URL" rebuild-bench)"
  TEMPLATE=$(curl -fs -XPOST "$APP_URL/api/video/tasks" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"prompt":"rebuild template: a red fox running through fresh snow at dawn","model":"sora-2","seconds":4}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["videoId"])')
  log "template task $TEMPLATE submitted; waiting for it to complete and be archived"
  for _ in $(seq 1 120); do
    n=$(sql -c "select count(*) from domain_event_entry where aggregate_identifier = '$TEMPLATE' and payload_type like '%ContentArchived'")
    [ "$n" -ge 1 ] && break
    sleep 1
  done
  app_stop "$APP_PID"
  # the template's own stream plus its owner's account stream (hold, admission, capture), each task cloned with its own owner
  TEMPLATE_EVENTS="select * from domain_event_entry where aggregate_identifier in ('$TEMPLATE', 'account:rebuild-bench')"
  PER_TASK=$(sql -c "select count(*) from ($TEMPLATE_EVENTS) t")
  TASKS=$(( (EVENTS + PER_TASK - 1) / PER_TASK ))
  log "template has $PER_TASK events: cloning $TASKS tasks"
  t0=$(date +%s)
  # in chunks of 50,000 tasks, each its own transaction, so the WAL and memory stay bounded
  done_tasks=0
  while [ "$done_tasks" -lt "$TASKS" ]; do
    upto=$(( done_tasks + 50000 )); [ "$upto" -gt "$TASKS" ] && upto=$TASKS
    sql -c "insert into domain_event_entry (global_index, event_identifier, meta_data, payload, payload_revision,
              payload_type, time_stamp, aggregate_identifier, sequence_number, type)
            select nextval('domain_event_entry_seq'), gen_random_uuid()::text, t.meta_data,
                   convert_to(replace(replace(convert_from(t.payload, 'UTF8'), '$TEMPLATE', c.id), 'rebuild-bench', c.owner), 'UTF8'),
                   t.payload_revision, t.payload_type, t.time_stamp,
                   case when t.aggregate_identifier = '$TEMPLATE' then c.id else 'account:' || c.owner end,
                   t.sequence_number, t.type
            from (select g, 'video_' || md5('rebuild' || g)::uuid as id, 'rebuild-' || g as owner
                  from generate_series($((done_tasks + 1)), $upto) g) c
            cross join ($TEMPLATE_EVENTS) t
            order by c.g, t.global_index" > /dev/null
    done_tasks=$upto
  done
  TOTAL=$(sql -c "select count(*) from domain_event_entry")
  HEAD=$(sql -c "select max(global_index) from domain_event_entry")
  sql -c "vacuum analyze domain_event_entry" > /dev/null
  sql -c "update token_entry set token = convert_to('{\"index\":$HEAD,\"gaps\":[]}', 'UTF8'),
            token_type = 'org.axonframework.eventhandling.GapAwareTrackingToken'" > /dev/null
  log "cloned in $(( $(date +%s) - t0 )) s: $TOTAL events in the store (head $HEAD), $(sql -c "select pg_size_pretty(pg_total_relation_size('domain_event_entry'))")"
}
