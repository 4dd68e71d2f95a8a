"""Latency histogram for a service dashboard: bucket request latencies into
fixed-width bins and append summary statistics."""
import numpy as np

rng = np.random.default_rng(9)
LO, HI, NBINS = 0.0, 500.0, 50


def histogram(values):
    width = (HI - LO) / NBINS
    idx = ((values - LO) / width).astype(np.int64)
    return np.bincount(idx, minlength=NBINS)


def main():
    lat = np.minimum(rng.gamma(2.0, 30.0, 3000000), HI - 1e-6)
    counts = histogram(lat)
    summary = np.array([], dtype=float)
    for stat in (lat.mean(), np.median(lat), lat.max()):
        summary = np.append(summary, round(float(stat), 4))
    print("bins", counts[:8].tolist(), "total", int(counts.sum()), "summary", summary.tolist())


main()
