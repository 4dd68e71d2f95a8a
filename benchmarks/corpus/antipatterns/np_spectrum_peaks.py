"""Peak picking in vibration spectra (NumPy).

A condition-monitoring script computes the magnitude spectrum of each
accelerometer recording (power summed over the x, y and z axes), finds
local maxima above the mean + 2 sigma noise floor, and reports the
strongest peak per band. Prints the peak frequencies and rounded
magnitudes.
"""
import numpy as np

FS = 2048.0
N = 8192
N_RECORDINGS = 40
BANDS = [(0, 100), (100, 300), (300, 600), (600, 1024)]


def recording(rng, k):
    t = np.arange(N) / FS
    x = rng.normal(0.0, 1.0, N)
    for f, a in ((50.0 + k, 4.0), (120.0 + 3 * k, 2.5), (410.0, 1.5), (777.0 - k, 1.2)):
        x += a * np.sin(2 * np.pi * f * t)
    return x


def spectrum(x):
    window = np.hanning(x.size)
    mag = np.abs(np.fft.rfft(x * window)) / x.size
    freqs = np.fft.rfftfreq(x.size, 1.0 / FS)
    return freqs, mag


def power_density(mag):
    psd = np.empty(mag.size)
    for i in range(mag.size):
        psd[i] = 2.0 * mag[i] * mag[i] / FS
    return psd


def find_peaks(mag):
    peaks = []
    for i in range(1, mag.size - 1):
        if mag[i] > mag[i - 1] and mag[i] >= mag[i + 1]:
            floor = mag.mean() + 2.0 * mag.std()
            if mag[i] > floor:
                peaks.append(i)
    return peaks


def band_summary(freqs, mag, peaks):
    best = np.array([])
    for lo, hi in BANDS:
        inband = [i for i in peaks if lo <= freqs[i] < hi]
        if inband:
            j = max(inband, key=lambda i: mag[i])
            best = np.append(best, freqs[j])
        else:
            best = np.append(best, -1.0)
    return best


def main():
    rng = np.random.default_rng(2718)
    total_peaks = 0
    for k in range(N_RECORDINGS):
        total = None
        for axis in range(3):
            x = recording(rng, k + axis)
            freqs, mag = spectrum(x)
            psd = power_density(mag)
            total = psd if total is None else total + psd
        mag = np.sqrt(total * FS / 6.0)
        peaks = find_peaks(mag)
        total_peaks += len(peaks)
        best = band_summary(freqs, mag, peaks)
        print("rec %d peaks %3d best" % (k, len(peaks)), np.round(best, 3).tolist(),
              "max %.6f" % mag[peaks].max())
    print("total peaks", total_peaks)


if __name__ == "__main__":
    main()
