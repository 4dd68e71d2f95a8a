"""Memory ground truth: a steady leak -- a module-level cache that grows by
64 KiB per handled request and is never trimmed.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  leak  RESPONSE_CACHE.append(64 KiB bytes) for each of 4000 requests
        -> kept 250 MB at exit, growing linearly over the run
Each request also does ~0.5 ms of CPU work (hashing) so the cache grows at a
roughly constant rate, about 100 MB/s on an idle core (the total kept is
exact, the rate depends on CPU speed and load). The program prints the rate
it actually achieved as "rate_mb_per_s_measured".
Values: sys.getsizeof arithmetic (requested bytes); `--verify` measures
the line with tracemalloc on a shorter run and scales. MB = 2**20 bytes.
"""
import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

RESPONSE_CACHE = []
REQUESTS = 4000
BODY = 64 * 1024 - 33  # 64 KiB per cached bytes object including header
WORK = b"request-body-" * 2000


def handle(i):
    digest = hashlib.sha256(WORK + str(i).encode()).digest()
    for _ in range(24):
        digest = hashlib.sha256(digest + WORK).digest()
    RESPONSE_CACHE.append(digest[:1] * BODY)  # [gt:leak]
    return digest[0]


def expected(n):
    me = os.path.abspath(__file__)
    per = sys.getsizeof(b"") + BODY
    lst = sys.getsizeof(RESPONSE_CACHE) if len(RESPONSE_CACHE) == n else sys.getsizeof([]) + 8 * n
    return {str(lineof(me, "leak")): {"kind": "leak", "mb": round((n * per + lst) / MB, 2),
                                      "kept_mb": round((n * per + lst) / MB, 2)}}


def main():
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        for i in range(400):
            handle(i)
        measured = traced_by_line(tracemalloc.take_snapshot(), os.path.abspath(__file__))
        check(expected(400), measured)
        return
    t0 = time.perf_counter()
    acc = 0
    for i in range(REQUESTS):
        acc ^= handle(i)
    dt = time.perf_counter() - t0
    truth = expected(REQUESTS)
    for v in truth.values():
        v["rate_mb_per_s_measured"] = round(v["mb"] / dt, 1)
    emit(truth)


if __name__ == "__main__":
    main()
