#!/usr/bin/env python3
"""Summarise `jcmd <pid> Thread.print` samples: what the Tomcat request threads (http-nio-*-exec-*) and the Axon
processor threads were doing, as a poor man's sampling profiler. Usage: threaddump_summary.py dump1.txt dump2.txt ..."""
import collections
import re
import sys


def threads(text):
    block = []
    for line in text.splitlines():
        if line.startswith('"'):
            if block:
                yield block
            block = [line]
        elif block:
            if line.strip() == "":
                yield block
                block = []
            else:
                block.append(line)
    if block:
        yield block


def classify(frames):
    joined = "\n".join(frames)
    if "HikariPool.getConnection" in joined and ("ConcurrentBag.borrow" in joined or "SynchronousQueue" in joined
                                                  or "parkNanos" in joined):
        return "waiting for a pooled DB connection (HikariPool.getConnection)"
    if "org.postgresql" in joined and ("SocketInputStream" in joined or "NioSocketImpl" in joined
                                       or "socketRead" in joined or "SocketDispatcher.read" in joined):
        return "waiting on PostgreSQL (JDBC socket read)"
    if "TaskQueue.take" in joined or "TaskQueue.poll" in joined or "ThreadPoolExecutor.getTask" in joined:
        return "idle (waiting for a request)"
    if "CommandGateway" in joined and "FutureCallback" in joined:
        return "waiting for a command result (sendAndWait)"
    for f in frames:
        m = re.search(r"at ([\w.$]+)\(", f)
        if m and not m.group(1).startswith(("java.", "jdk.", "sun.")):
            return "running/other: " + m.group(1)
    m = re.search(r"at ([\w.$]+)\(", frames[0]) if frames else None
    return "jdk: " + (m.group(1) if m else "?")


def main(paths):
    by_group = collections.defaultdict(collections.Counter)
    totals = collections.Counter()
    for p in paths:
        text = open(p, encoding="utf-8", errors="replace").read()
        for block in threads(text):
            name = block[0].split('"')[1]
            frames = [l.strip() for l in block if l.strip().startswith("at ")]
            if re.match(r"http-nio-.*-exec-", name):
                group = "tomcat request threads"
            elif name.startswith(("PooledStreamingProcessor", "WorkPackage", "Coordinator")) or "upstream-saga" in name \
                    or "task-views" in name or "content-archive" in name:
                group = "axon processors"
            elif name.startswith("db-scheduler"):
                group = "db-scheduler"
            else:
                continue
            by_group[group][classify(frames)] += 1
            totals[group] += 1
    print(f"samples: {len(paths)} thread dumps")
    for group, counter in by_group.items():
        print(f"\n{group} ({totals[group]} thread-samples):")
        for what, n in counter.most_common(8):
            print(f"  {100.0 * n / totals[group]:5.1f}%  {what}")


if __name__ == "__main__":
    main(sys.argv[1:])
