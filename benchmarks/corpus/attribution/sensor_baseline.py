"""Sensor analytics: for every new batch of readings, recompute the
baseline over the whole history and rebuild a fresh histogram."""
import random


def analyse(n_batches, batch, n_bins, rng):
    history = [rng.gauss(20.0, 2.0) for _ in range(120000)]
    alarms = 0
    peaks = []
    for b in range(n_batches):
        readings = [rng.gauss(20.0, 2.0) for _ in range(batch)]
        history.extend(readings)
        hist = [0] * n_bins
        baseline = sum(history) / len(history)
        for r in readings:
            hist[int(r * 10) % n_bins] += 1
        peak = max(hist)
        if readings[-1] > baseline + 5:
            alarms += 1
        peaks.append(peak)
    return alarms, peaks, baseline


def main():
    rng = random.Random(19)
    alarms, peaks, baseline = analyse(400, 40, 400000, rng)
    print("alarms", alarms, "peak", max(peaks), "baseline", round(baseline, 3))


if __name__ == "__main__":
    main()
