#!/usr/bin/env python3
"""An OpenAI Videos provider for the cluster benchmarks (12, 13): several Reelay nodes call it, each under its own
path prefix (base URL http://127.0.0.1:<port>/<node>/v1), so every call says which node made it. Loopback only,
standard library only.

- POST /<node>/v1/videos honours Idempotency-Key: the first create with a key makes the job, later ones answer the
  same job. The job is made when the request arrives; the answer comes CREATE_DELAY_MS later (a provider's create
  takes a while), so a node killed meanwhile leaves a job it never heard of. A create without a key makes a job
  every time (and is counted: it would be a duplicate).
- GET /<node>/v1/videos/<id> answers in_progress until JOB_MS after the job was made, then completed.
- GET /<node>/v1/videos/<id>/content?variant=video answers a few bytes; other variants 404.
- GET /stats answers {"jobs", "creates", "keyless", "open": {node: creates not yet answered}}.

Every create is written to <log>: recv_ms, answered_ms (-1 when the answer could not be written: the caller had
gone), node, idempotency key, job id, status.

Usage: fake_provider.py <port> <create log>   env CREATE_DELAY_MS (3000), JOB_MS (5000)
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log_path = int(sys.argv[1]), sys.argv[2]
CREATE_DELAY = int(os.environ.get("CREATE_DELAY_MS", "3000")) / 1000.0
JOB_S = int(os.environ.get("JOB_MS", "5000")) / 1000.0

lock = threading.Lock()
jobs = {}          # job id -> created (epoch s)
by_key = {}        # idempotency key -> job id
open_creates = {}  # node -> creates received and not yet answered
counts = {"creates": 0, "keyless": 0}
log = open(log_path, "a", buffering=1)


def now_ms():
    return int(time.time() * 1000)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def video(self, job_id):
        elapsed = time.time() - jobs[job_id]
        done = elapsed >= JOB_S
        return {"id": job_id, "object": "video", "model": "sora-2", "status": "completed" if done else "in_progress",
                "progress": 100 if done else int(100 * elapsed / JOB_S), "size": "720x1280", "seconds": "4"}

    def split(self):
        parts = self.path.split("?")[0].split("/")  # ['', node, 'v1', 'videos', id?, 'content'?]
        return (parts[1] if len(parts) > 1 else "?"), parts[2:]

    def do_POST(self):
        node, rest = self.split()
        length = int(self.headers.get("Content-Length", "0"))
        if length:
            self.rfile.read(length)
        if rest != ["v1", "videos"]:
            return self.answer(404, {"error": {"code": "not_found", "message": "no such route"}})
        received = now_ms()
        key = self.headers.get("Idempotency-Key")
        with lock:
            counts["creates"] += 1
            if key is None:
                counts["keyless"] += 1
                job_id = f"vid_{len(jobs) + 1}"
                jobs[job_id] = time.time()
            elif key in by_key:
                job_id = by_key[key]
            else:
                job_id = f"vid_{len(jobs) + 1}"
                jobs[job_id] = time.time()
                by_key[key] = job_id
            open_creates[node] = open_creates.get(node, 0) + 1
        answered = -1
        try:
            time.sleep(CREATE_DELAY)
            self.answer(200, self.video(job_id))
            answered = now_ms()
        except OSError:
            self.close_connection = True
        finally:
            with lock:
                open_creates[node] -= 1
            log.write(f"{received}\t{answered}\t{node}\t{key or '-'}\t{job_id}\t200\n")

    def do_GET(self):
        if self.path == "/stats":
            with lock:
                return self.answer(200, {"jobs": len(jobs), "creates": counts["creates"], "keyless": counts["keyless"],
                                         "open": dict(open_creates)})
        node, rest = self.split()
        if len(rest) >= 3 and rest[:2] == ["v1", "videos"] and rest[2] in jobs:
            if len(rest) == 3:
                return self.answer(200, self.video(rest[2]))
            if rest[3:] == ["content"] and "variant=video" in self.path:
                return self.answer(200, (b"not really an mp4 " + rest[2].encode()) * 64, "video/mp4")
        return self.answer(404, {"error": {"code": "not_found", "message": "no such video"}})

    def do_DELETE(self):
        self.answer(404, {"error": {"code": "not_found", "message": "nothing to delete here"}})


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)  # a killed node's connections reset: expected here


server = Server(("127.0.0.1", port), Handler)
server.daemon_threads = True
server.serve_forever()
