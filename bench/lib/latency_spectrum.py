#!/usr/bin/env python3
"""Does a benchmark-1 timeline (TIMELINE=1: sent-at ms, status, latency ms per request) beat?

Bins the requests by when they were sent (10 ms), takes each bin's mean latency and prints the strongest frequency
between 0.3 and 20 Hz with its amplitude against the median amplitude of that band, and the p99 of each whole second
(median and worst). A periodic background job (e.g. a processor that polls every 500 ms and then takes everything at
once) shows as a peak many times the median; GC pauses and noise do not.

usage: latency_spectrum.py RESULT_DIR/timeline-c32.tsv[.gz] ...
"""
import sys

import numpy as np

import timelines


def main(paths):
    for path in paths:
        rows = timelines.read(path)
        sent = rows[:, 0] - rows[:, 0].min()
        latency = rows[:, 2]
        bins = int(sent.max() // 10) + 1
        total = np.zeros(bins)
        count = np.zeros(bins)
        np.add.at(total, (sent // 10).astype(int), latency)
        np.add.at(count, (sent // 10).astype(int), 1)
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        mean = np.nan_to_num(mean - np.nanmean(mean))
        amplitude = np.abs(np.fft.rfft(mean))
        frequency = np.fft.rfftfreq(bins, 0.01)
        band = (frequency > 0.3) & (frequency < 20)
        peak = np.argmax(amplitude * band)
        second = (sent // 1000).astype(int)
        p99s = [np.percentile(latency[second == s], 99) for s in range(second.max() + 1) if (second == s).sum() > 50]
        print(f"{path}: peak {frequency[peak]:.2f} Hz (period {1000 / frequency[peak]:.0f} ms), amplitude "
              f"{amplitude[peak]:.0f} against a median {np.median(amplitude[band]):.0f}; p99 per second: median "
              f"{np.median(p99s):.0f} ms, worst {max(p99s):.0f} ms")


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
