#!/usr/bin/env python3
"""Completion detection delay and upstream calls per job for one variant of benchmark 3 (stdlib only).

Usage: completion_report.py <variant> <app_url> <token> <ids file> <sandbox file> <out json> [webhooks-sent.log]
  sandbox file: lines "video_id|external_id|sandbox_completion_epoch_ms" (from psql, see 03-completion-detection.sh)
Delay = time of the TaskCompleted event in Reelay's history - the sandbox job's completion (created_at + duration).
With the webhook sender's log, also the delay from the webhook being sent (Reelay's own share of the delay).
"""
import collections
import datetime
import json
import sys
import urllib.request

variant, app, token, ids_file, sandbox_file, out = sys.argv[1:7]
sent_at = {}
if len(sys.argv) > 7:
    for line in open(sys.argv[7]):
        f = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        if "sent" in f:
            sent_at[line.split()[0]] = float(f["sent"]) * 1000.0
ids = [l.strip() for l in open(ids_file) if l.strip()]
sandbox = {}
for line in open(sandbox_file):
    parts = line.strip().split("|")
    if len(parts) == 3:
        sandbox[parts[0]] = (parts[1], float(parts[2]))


def get(path):
    req = urllib.request.Request(app + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def epoch_ms(iso):
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000.0


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    i = max(0, min(len(s) - 1, -(-int(p * 1000) * len(s) // 1000) - 1))
    return s[i]


rows = []
for vid in ids:
    events = get(f"/api/video/tasks/{vid}/history")["data"]["events"]
    by_type = {}
    for e in events:
        by_type.setdefault(e["type"], e["time"])
    calls = get(f"/api/video/tasks/{vid}/upstream-calls")["data"]
    ops = collections.Counter(c["operation"] for c in calls)
    done = by_type.get("TaskCompleted")
    sb = sandbox.get(vid)
    delay = (epoch_ms(done) - sb[1]) / 1000.0 if done and sb else None
    sent = sent_at.get(sb[0]) if sb else None
    after_webhook = (epoch_ms(done) - sent) / 1000.0 if done and sent else None
    rows.append({"videoId": vid, "terminal": next((t for t in ("TaskCompleted", "TaskFailed", "TaskCancelled")
                                                   if t in by_type), None),
                 "delay_s": None if delay is None else round(delay, 3),
                 "after_webhook_s": None if after_webhook is None else round(after_webhook, 3),
                 "retrieve_calls": ops.get("retrieve", 0), "create_calls": ops.get("create", 0),
                 "all_calls": sum(ops.values()), "ops": dict(ops)})

delays = [r["delay_s"] for r in rows if r["delay_s"] is not None]
after = [r["after_webhook_s"] for r in rows if r["after_webhook_s"] is not None]
retrieves = [r["retrieve_calls"] for r in rows]
alls = [r["all_calls"] for r in rows]
summary = {
    "variant": variant,
    "tasks": len(ids),
    "completed": sum(1 for r in rows if r["terminal"] == "TaskCompleted"),
    "delay_p50_s": pct(delays, 0.50), "delay_p99_s": pct(delays, 0.99), "delay_max_s": max(delays) if delays else None,
    "delay_min_s": min(delays) if delays else None,
    "after_webhook_p50_s": pct(after, 0.50), "after_webhook_p99_s": pct(after, 0.99),
    "retrieve_calls_mean": round(sum(retrieves) / max(1, len(retrieves)), 2), "retrieve_calls_max": max(retrieves or [0]),
    "all_calls_mean": round(sum(alls) / max(1, len(alls)), 2), "all_calls_max": max(alls or [0]),
    "create_calls_total": sum(r["create_calls"] for r in rows),
    "sandbox_jobs": len(sandbox),
    "rows": rows,
}
json.dump(summary, open(out, "w"), indent=1)
print(json.dumps({k: v for k, v in summary.items() if k != "rows"}))
