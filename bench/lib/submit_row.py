#!/usr/bin/env python3
"""One summary row of benchmark 1 from the files of one concurrency step.
Usage: submit_row.py <clients> <drain_s> <results dir> <dir with pgbench -l logs>"""
import glob
import json
import re
import sys

c, drain, out, work = sys.argv[1:5]
app = json.load(open(f"{out}/app-c{c}.json"))
txt = open(f"{out}/pgbench-c{c}.txt").read()
tps = float(re.search(r"tps = ([\d.]+)", txt).group(1))


def cpu(path):
    m = re.search(r"per unit: app ([\d.]+) ms \+ postgres ([\d.]+) ms", open(path).read())
    return (float(m.group(1)), float(m.group(2))) if m else (float("nan"), float("nan"))


a_app, a_pg = cpu(f"{out}/cpu-app-c{c}.txt")
_, b_pg = cpu(f"{out}/cpu-pgbench-c{c}.txt")
lat = []
for f in glob.glob(work + "/pgb_log*"):
    for line in open(f):
        parts = line.split()
        if len(parts) >= 3:
            lat.append(int(parts[2]) / 1000.0)
lat.sort()


def pct(p):
    if not lat:
        return 0.0
    i = -(-int(p * 1000) * len(lat) // 1000) - 1
    return lat[max(0, min(len(lat) - 1, i))]


print(c, app["throughput_per_s"], app["p50_ms"], app["p99_ms"], app["errors_or_unexpected"], drain,
      round(a_app + a_pg, 2), round(tps, 1), round(pct(0.5), 2), round(pct(0.99), 2), round(b_pg, 3),
      round(app["throughput_per_s"] / tps, 4))
