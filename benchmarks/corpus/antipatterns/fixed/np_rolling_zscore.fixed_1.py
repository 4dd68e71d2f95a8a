"""Anomaly detection on server latency metrics (NumPy).

For every metric series the script computes a rolling z-score against the
previous WINDOW samples, flags anomalies, and keeps a decaying peak-hold
envelope for the dashboard. Prints anomaly counts and rounded statistics.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

WINDOW = 240
N_SERIES = 10
LENGTH = 8000
DECAY = 0.995


def make_series(rng, k):
    t = np.arange(LENGTH)
    base = 50 + 10 * np.sin(t / (200.0 + 30 * k)) + rng.normal(0, 3, LENGTH)
    spikes = rng.choice(LENGTH, 25, replace=False)
    base[spikes] += rng.uniform(25, 60, 25)
    return base


def rolling_zscores(x):
    z = np.zeros(x.size)
    windows = sliding_window_view(x, WINDOW)[:-1]
    mu = windows.mean(axis=1)
    sd = windows.std(axis=1)
    safe = np.where(sd > 0, sd, 1.0)
    z[WINDOW:] = np.where(sd > 0, (x[WINDOW:] - mu) / safe, 0.0)
    return z


def rolling_max(x):
    out = np.empty(x.size - WINDOW)
    for i in range(WINDOW, len(x)):
        out[i - WINDOW] = x[i - WINDOW:i].max()
    return out


def peak_hold(x):
    env = np.zeros(x.size)
    env[0] = x[0]
    for i in range(1, x.size):
        env[i] = max(env[i - 1] * DECAY, x[i])
    return env


def main():
    rng = np.random.default_rng(99)
    total_anomalies = 0
    lines = []
    for k in range(N_SERIES):
        x = make_series(rng, k)
        z = rolling_zscores(x)
        anomalies = int((np.abs(z) > 4.0).sum())
        total_anomalies += anomalies
        rmax = rolling_max(x)
        zmax = rolling_max(np.abs(z))
        env = peak_hold(x[:800]) if k < 2 else None
        env_txt = "%.4f" % env.mean() if env is not None else "-"
        lines.append("series %d anomalies %3d max-of-max %.4f max|z| %.4f zsum %.3f env %s" % (
            k, anomalies, rmax.max(), zmax.max(), np.round(z, 6).sum(), env_txt))
    for line in lines:
        print(line)
    print("total anomalies", total_anomalies)


if __name__ == "__main__":
    main()
