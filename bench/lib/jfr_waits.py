#!/usr/bin/env python3
"""Where request threads wait: sums JFR's park, monitor and socket-read events (those over the recording's
threshold, 10 ms with settings=profile) on Tomcat's request threads by what they waited for.

usage: jfr_waits.py <recording.jfr | text of `jfr print --events jdk.ThreadPark,jdk.JavaMonitorWait,...`> [creates]
"""
import collections
import re
import subprocess
import sys

WAITS = [("rate-limit batch (Bucket4j)", r"bucket4j"),
         ("read-your-writes (ReadModelCatchUp)", r"ReadModelCatchUp"),
         ("pooled connection (Hikari)", r"HikariPool\.getConnection"),
         ("PostgreSQL round trip", r"SocketRead|org\.postgresql"),
         ("idle: no request", r"TaskQueue\.poll|TaskQueue\.take|LinkedBlockingQueue")]
UNITS = {"ms": 1.0, "s": 1000.0, "us": 0.001, "ns": 1e-6}


def text_of(path):
    if path.endswith(".jfr"):
        return subprocess.run(["jfr", "print", "--events",
                               "jdk.ThreadPark,jdk.JavaMonitorWait,jdk.JavaMonitorEnter,jdk.SocketRead",
                               "--stack-depth", "30", path], capture_output=True, text=True, check=True).stdout
    return open(path).read()


def main():
    text = text_of(sys.argv[1])
    creates = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    total, count = collections.Counter(), collections.Counter()
    for event in re.split(r"\n(?=jdk\.\w+ \{)", text):
        if not re.search(r'eventThread = "http-nio-[^"]*exec', event):
            continue
        m = re.search(r"duration = ([\d.]+) (ms|s|us|ns)", event)
        ms = float(m.group(1)) * UNITS[m.group(2)] if m else 0.0
        name = next((n for n, p in WAITS if re.search(p, event)), "other")
        total[name] += ms
        count[name] += 1
    print(f"{'waited for':40s} {'thread-s':>9s} {'events':>7s}" + (f" {'ms per create':>14s}" if creates else ""))
    for name, ms in total.most_common():
        print(f"{name:40s} {ms / 1000:9.1f} {count[name]:7d}" + (f" {ms / creates:14.1f}" if creates else ""))


if __name__ == "__main__":
    main()
