"""Memory ground truth: big transient allocations inside small functions.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  expand  a 200 MiB bytes object built and freed inside expand_and_crc()
          -> peak transient 200.0 MB, kept 0
  zeros   a list of 16 Mi float references ([0.0] * n) built and freed
          inside normalised_mean() -> peak transient 128.0 MB, kept 0
Each helper is called several times from main(); between calls nothing is
kept, so the process RSS goes up by ~200 MB and back down every time.
Values: requested bytes from sys.getsizeof arithmetic; `--verify` measures
each helper's peak with tracemalloc (reset_peak / get_traced_memory).
MB = 2**20 bytes.
"""
import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof  # noqa: E402

EXPAND = 200 * 1024 * 1024
ZEROS = 16 * 1024 * 1024
SEED = bytes(range(256)) * 4


def expand_and_crc(seed):
    data = seed * (EXPAND // len(seed))  # [gt:expand]
    return zlib.crc32(data)


def normalised_mean(scale):
    col = [0.0] * ZEROS  # [gt:zeros]
    return len(col) * scale


def expected():
    me = os.path.abspath(__file__)
    return {
        str(lineof(me, "expand")): {"kind": "peak_transient", "mb": round((sys.getsizeof(b"") + EXPAND) / MB, 2),
                                    "kept_mb": 0.0},
        str(lineof(me, "zeros")): {"kind": "peak_transient", "mb": round((sys.getsizeof([]) + 8 * ZEROS) / MB, 2),
                                   "kept_mb": 0.0},
    }


def main():
    if "--verify" in sys.argv:
        import tracemalloc
        me = os.path.abspath(__file__)
        tracemalloc.start()
        measured = {}
        for tag, fn, arg in (("expand", expand_and_crc, SEED), ("zeros", normalised_mean, 1.0)):
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            fn(arg)
            cur, peak = tracemalloc.get_traced_memory()
            measured[str(lineof(me, tag))] = (peak - base) / MB
            print("VERIFY %s kept after return %.3f MB" % (tag, (cur - base) / MB))
        check(expected(), measured)
        return
    total = 0
    for i in range(6):
        total ^= expand_and_crc(SEED)
        total += int(normalised_mean(1.0 + i))
    emit(expected())


if __name__ == "__main__":
    main()
