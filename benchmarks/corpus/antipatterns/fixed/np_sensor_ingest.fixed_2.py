"""Ingest a telemetry feed that arrives in small chunks, convert raw ADC counts
to volts and apply a per-channel calibration."""
import numpy as np

rng = np.random.default_rng(29)
CAL = np.linspace(0.98, 1.02, 10)


def ingest(n_chunks):
    data = np.array([], dtype=np.float64)
    for k in range(n_chunks):
        chunk = rng.integers(0, 4096, size=512).astype(np.float64)
        data = np.append(data, chunk)
    return data


def to_volts(raw):
    return raw * (3.3 / 4096.0) - 0.1


def calibrate(v):
    out = v.copy()
    for ch in range(len(CAL)):
        out[ch::10] *= CAL[ch]
    return out


def main():
    raw = ingest(600)
    volts = to_volts(raw)
    cal = calibrate(volts)
    print("samples", len(raw), "mean %.9f" % cal.mean(), "max %.9f" % cal.max())


main()
