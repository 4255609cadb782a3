#!/usr/bin/env python3
"""Plays the provider's webhook sender for benchmark 3 (the in-process sandbox does not send webhooks itself).

Watches the sandbox jobs bound to <provider_id> (sandbox_job joined with upstream_binding, through psql) and, when a job reaches created_at + duration, POSTs a Standard
Webhooks-signed {"type":"video.completed"} to Reelay's /webhooks/upstream/<provider>. Loopback only.

Usage: webhook_sender.py <app_url> <provider_id> <whsec_secret> <expected jobs> <timeout_s> <log file>
  env PSQL: the psql command line (without -c) that reaches the variant's database.
"""
import base64
import hashlib
import hmac
import json
import os
import shlex
import subprocess
import sys
import time
import urllib.request
import uuid

app, provider, secret, expected, timeout_s, log_file = sys.argv[1:7]
expected, timeout_s = int(expected), float(timeout_s)
if not app.startswith(("http://127.0.0.1", "http://localhost")):
    sys.exit("loopback only")
key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
psql = shlex.split(os.environ["PSQL"])
sent = {}
deadline = time.time() + timeout_s
log = open(log_file, "a")


def jobs():
    q = ("select j.id, (extract(epoch from j.created_at) * 1000 + j.duration_ms)::bigint from sandbox_job j "
         f"join upstream_binding b on b.external_task_id = j.id and b.provider_id = '{provider}' where not j.deleted")
    out = subprocess.run(psql + ["-c", q], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "|" in line:
            jid, due = line.split("|")
            yield jid, int(due) / 1000.0


def send(job_id):
    body = json.dumps({"type": "video.completed", "data": {"id": job_id}}).encode()
    wid = "msg_" + uuid.uuid4().hex
    ts = str(int(time.time()))
    sig = base64.b64encode(hmac.new(key, f"{wid}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
    req = urllib.request.Request(f"{app}/webhooks/upstream/{provider}", data=body, method="POST",
                                 headers={"Content-Type": "application/json", "webhook-id": wid,
                                          "webhook-timestamp": ts, "webhook-signature": "v1," + sig})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


while time.time() < deadline and len(sent) < expected:
    pending = {j: due for j, due in jobs() if j not in sent}
    now = time.time()
    for j, due in sorted(pending.items(), key=lambda kv: kv[1]):
        if due <= now:
            status = send(j)
            sent[j] = time.time()
            log.write(f"{j} due={due:.3f} sent={sent[j]:.3f} lag_ms={1000 * (sent[j] - due):.0f} status={status}\n")
            log.flush()
    nxt = min((d for j, d in pending.items() if j not in sent), default=now + 0.5)
    time.sleep(max(0.02, min(0.5, nxt - time.time())))
print(f"webhooks sent: {len(sent)} of {expected}")
