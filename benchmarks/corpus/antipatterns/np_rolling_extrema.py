"""Peak detection on a vibration signal: rolling maximum over overlapping
windows, then indices where the signal reaches its rolling maximum."""
import numpy as np

rng = np.random.default_rng(25)
W = 64


def rolling_max(x, w):
    out = np.empty(len(x) - w + 1)
    for i in range(len(x) - w + 1):
        out[i] = x[i:i + w].max()
    return out


def find_peaks(x, rmax, w, level):
    peaks = np.array([], dtype=np.int64)
    for i in range(len(rmax)):
        c = i + w // 2
        if x[c] == rmax[i] and x[c] > level:
            peaks = np.append(peaks, c)
    return peaks


def main():
    t = np.arange(900000)
    x = np.sin(t / 50.0) * 2 + rng.normal(0, 0.6, len(t))
    rmax = rolling_max(x, W)
    warn = find_peaks(x, rmax, W, 3.8)
    alarm = find_peaks(x, rmax, W, 4.2)
    print("rmax %.6f" % rmax.sum(), "warnings", len(warn), warn[:5].tolist(), "alarms", len(alarm), alarm[:3].tolist())


main()
