"""Memory ground truth (holdout): many small dicts kept between computation.

A weather-station loader keeps one small dict per reading (id, temperature,
humidity) in a list, then runs ~1 s (CPU) of statistics over them while all
readings stay alive.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  dicts  one 3-key dict per reading plus its two float values, 400 000
         readings -> kept ~88.5 MB (requested bytes)
  index  the list that holds the readings (its pointer array, grown by
         append) -> kept ~3.1 MB
Values: sys.getsizeof arithmetic (requested bytes; pymalloc rounds small
blocks up to 16 bytes and RSS-based tools also see arena overhead, so they
read a little more); `--verify` measures both lines with tracemalloc on a
shorter run. MB = 2**20 bytes.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

READINGS = 400_000


def load(n, readings):
    for i in range(n):
        phase = (i % 1440) / 1440.0
        rec = {"id": i, "temp": 12.0 + 8.0 * math.sin(6.283 * phase), "hum": 55.0 + (i % 37) * 0.5}  # [gt:dicts]
        readings.append(rec)  # [gt:index]
    return readings


def statistics(readings):
    acc = 0.0
    for rounds in range(40):
        lo, hi = 1e9, -1e9
        total = 0.0
        for r in readings:
            t = r["temp"] - 0.01 * r["hum"] * rounds
            total += t
            if t < lo:
                lo = t
            if t > hi:
                hi = t
        acc += total / len(readings) + hi - lo
    return acc


def expected(readings):
    me = os.path.abspath(__file__)
    n = len(readings)
    sample = readings[-1]
    per = sys.getsizeof(sample) + sys.getsizeof(sample["temp"]) + sys.getsizeof(sample["hum"])
    index = sys.getsizeof(readings) - sys.getsizeof([])
    return {str(lineof(me, "dicts")): {"kind": "kept", "mb": round(n * per / MB, 2), "kept_mb": round(n * per / MB, 2),
                                       "objects": n},
            str(lineof(me, "index")): {"kind": "kept", "mb": round(index / MB, 2), "kept_mb": round(index / MB, 2)}}


def main():
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        readings = load(60_000, [])
        measured = traced_by_line(tracemalloc.take_snapshot(), os.path.abspath(__file__))
        check(expected(readings), measured)
        return
    readings = load(READINGS, [])
    print("readings", len(readings), "stat %.6f" % statistics(readings))
    emit(expected(readings))


if __name__ == "__main__":
    main()
