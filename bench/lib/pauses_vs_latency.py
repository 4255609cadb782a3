#!/usr/bin/env python3
"""Do a benchmark-1 run's slow creates wait out the app's stop-the-world pauses?

Reads a TIMELINE=1 timeline (sent-at epoch ms, status, latency ms per request) and the app's safepoint log
(APP_JAVA_OPTS=-Xlog:gc,safepoint:file=...:utctime,uptime) and prints:
- the pauses during the load: count, sum, p50/p99/max, and per kind (G1CollectForAllocation, ...);
- for latency thresholds, the share of slow requests whose time in flight overlaps a pause of >= 5 ms, against the
  share of all requests that do: if pauses made the tail, the first is far above the second;
- the p99 of requests that overlap no pause >= 5 ms, against the p99 of all.

usage: pauses_vs_latency.py TIMELINE.tsv[.gz] SAFEPOINT.log[.gz]
"""
import re
import sys
from datetime import datetime

import numpy as np

import timelines

LINE = re.compile(r'^\[(?P<utc>[^\]]+)\]\[[^\]]+\] Safepoint "(?P<kind>[^"]+)".*Total: (?P<total>\d+) ns')
BIG_PAUSE_MS = 5.0
WARMUP_MS = 2000


def pauses(path, start_ms, end_ms):
    """(begin ms, end ms, kind) of every safepoint that ended within the load."""
    found = []
    with timelines.opened(path) as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            end = datetime.strptime(m['utc'], '%Y-%m-%dT%H:%M:%S.%f%z').timestamp() * 1000
            length = int(m['total']) / 1e6
            if start_ms <= end <= end_ms:
                found.append((end - length, end, m['kind']))
    return found


def main(timeline, log):
    rows = timelines.read(timeline)
    # the load generator measures from 2 s after the start (its --warmup): so does this
    rows = rows[rows[:, 0] >= rows[:, 0].min() + WARMUP_MS]
    sent, latency = rows[:, 0], rows[:, 2]
    done = sent + latency
    found = pauses(log, sent.min(), done.max())
    lengths = np.array([e - b for b, e, _ in found])
    print(f"{len(found)} safepoints in {(done.max() - sent.min()) / 1000:.0f} s, {lengths.sum():.0f} ms stopped; "
          f"p50 {np.percentile(lengths, 50):.2f}, p99 {np.percentile(lengths, 99):.2f}, max {lengths.max():.2f} ms")
    for kind in sorted({k for _, _, k in found}):
        of_kind = np.array([e - b for b, e, k in found if k == kind])
        print(f"  {kind}: {len(of_kind)}, sum {of_kind.sum():.0f} ms, max {of_kind.max():.2f} ms")
    big = np.array(sorted((b, e) for b, e, _ in found if e - b >= BIG_PAUSE_MS)).reshape(-1, 2)
    # safepoints follow one another, so the last pause begun before a request ended is its only candidate
    last = np.searchsorted(big[:, 0], done, side='right') - 1
    hit = (last >= 0) & (big[np.maximum(last, 0), 1] >= sent) if len(big) else np.zeros(len(sent), bool)
    print(f"pauses >= {BIG_PAUSE_MS:.0f} ms: {len(big)}; requests overlapping one: {hit.mean() * 100:.1f} % of all")
    for threshold in (50, 100, 200):
        slow = latency >= threshold
        if slow.sum():
            print(f"  of the {slow.sum()} requests >= {threshold} ms: {hit[slow].mean() * 100:.1f} % overlap one")
    print(f"p99 of all {np.percentile(latency, 99):.0f} ms; of those overlapping no such pause "
          f"{np.percentile(latency[~hit], 99):.0f} ms; mean {latency.mean():.1f} / {latency[~hit].mean():.1f} ms")


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
