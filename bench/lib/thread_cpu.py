#!/usr/bin/env python3
"""CPU per thread group of one process, from /proc (the JIT compilers and the GC included, which JFR's execution
samples do not show).
Usage: thread_cpu.py snap <pid> <file>                  writes tid, name, utime+stime jiffies of every thread
       thread_cpu.py diff <before> <after> <units>      CPU-ms per unit per thread group, largest first
       thread_cpu.py seconds <before> <after> <group>   CPU seconds of one thread group ("JIT compilers", "GC", ...)
Threads are grouped by name with digits folded (http-nio-8080-exec-12 -> http-nio-#-exec-#); a thread that ended
inside the window is missing from the after file and not counted."""
import collections
import os
import re
import sys


def snap(pid, path):
    with open(path, "w") as out:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                stat = open(f"/proc/{pid}/task/{tid}/stat").read()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            out.write(f"{tid}\t{name}\t{int(fields[11]) + int(fields[12])}\n")


def load(path):
    rows = {}
    for line in open(path):
        tid, name, jiffies = line.rstrip("\n").split("\t")
        rows[tid] = (name, int(jiffies))
    return rows


def group(name):
    name = re.sub(r"\d+", "#", name)
    for prefix, label in (("C# Compiler", "JIT compilers"), ("GC Thread", "GC"),
                          ("G1 ", "GC"), ("http-nio", "tomcat request threads"), ("reactor-http", "netty (WebClient)"),
                          ("boundedElastic", "reactor boundedElastic")):
        if name.startswith(prefix):
            return label
    return name


def by_group(before, after):
    """Jiffies per thread group between two snaps; a thread started in between counts from 0."""
    b, a = load(before), load(after)
    groups = collections.Counter()
    for tid, (name, jiffies) in a.items():
        groups[group(name)] += jiffies - b.get(tid, (name, 0))[1]
    return groups


def diff(before, after, units):
    hz = os.sysconf("SC_CLK_TCK")
    groups = by_group(before, after)
    total = sum(groups.values())
    print(f"{'group':40} {'CPU-s':>8} {'ms/unit':>8} {'share':>6}")
    for name, jiffies in groups.most_common():
        if jiffies <= 0:
            continue
        print(f"{name[:40]:40} {jiffies / hz:8.2f} {1000 * jiffies / hz / max(1, units):8.2f} {100 * jiffies / max(1, total):5.1f}%")
    print(f"{'all threads':40} {total / hz:8.2f} {1000 * total / hz / max(1, units):8.2f}")


if __name__ == "__main__":
    if sys.argv[1] == "snap":
        snap(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "seconds":
        print(f"{by_group(sys.argv[2], sys.argv[3])[sys.argv[4]] / os.sysconf('SC_CLK_TCK'):.2f}")
    else:
        diff(sys.argv[2], sys.argv[3], int(sys.argv[4]))
