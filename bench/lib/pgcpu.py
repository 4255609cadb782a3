#!/usr/bin/env python3
"""CPU time used by PostgreSQL (postmaster and all its children, including short-lived backends such as pgbench's)
while a command runs. Samples /proc every 0.2 s and keeps, per pid, the first and last CPU time seen, so backends
that come and go inside the window are counted (to within the last 0.2 s of their life).
Usage: pgcpu.py <postmaster pid> <out file> -- <command...>     (exit status is the command's)"""
import os
import subprocess
import sys
import time

postmaster, out = int(sys.argv[1]), sys.argv[2]
cmd = sys.argv[sys.argv.index("--") + 1:]
hz = os.sysconf("SC_CLK_TCK")


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def cpu(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except OSError:
        return None


first, last = {}, {}


def sample():
    for pid in [postmaster] + children(postmaster):
        t = cpu(pid)
        if t is None:
            continue
        first.setdefault(pid, 0)  # a pid first seen now was born inside the window
        last[pid] = t


sample()
# pids present before the command started count from their current value, new ones from 0
first = {pid: last[pid] for pid in last}
proc = subprocess.Popen(cmd)
while proc.poll() is None:
    sample()
    time.sleep(0.2)
sample()
total = sum(last[p] - first.get(p, 0) for p in last) / hz
with open(out, "w") as f:
    f.write(f"{total:.2f}\n")
sys.exit(proc.returncode)
