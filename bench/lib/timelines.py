"""Reading what benchmark 1 writes with TIMELINE=1 (sent-at epoch ms, status, latency ms per request), and logs
kept plain or gzipped beside it."""
import gzip

import numpy as np


def opened(path):
    """A text file, gzipped (.gz) or not."""
    return (gzip.open if path.endswith('.gz') else open)(path, 'rt')


def read(path):
    """Every request of a timeline, one row each: sent at (epoch ms), status, latency (ms)."""
    with opened(path) as f:
        return np.loadtxt(f)
