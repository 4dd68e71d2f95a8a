"""Memory ground truth: churn -- allocates a lot, keeps nothing.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  page  renders a ~0.5 MB HTML string per request and drops it
        -> kept 0 MB, peak transient ~0.5 MB, ~7.5 GB allocated in total
  rows  builds a list of 2 000 small tuples per request and drops it
        -> kept 0 MB, peak transient ~0.12 MB, ~1.7 GB allocated in total
A correct memory profiler should show ~0 MB kept (and a flat RSS) for both
lines even though they allocate heavily. "allocated_mb_total" is computed
from sys.getsizeof of one object of each kind times the number made;
`--verify` checks with tracemalloc that nothing is kept after the loop.
MB = 2**20 bytes.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, emit, lineof  # noqa: E402

REQUESTS = 14400
ROW = "<tr><td>%06d</td><td>item</td><td>%8.2f</td></tr>\n"
REPEAT = 10000
N_ROWS = 2000


def render_page(i):
    page = (ROW % (i, i * 0.25)) * REPEAT  # [gt:page]
    return len(page)


def build_rows(i):
    rows = [(i, j) for j in range(N_ROWS)]  # [gt:rows]
    return len(rows)


def serve(n):
    total = 0
    for i in range(n):
        total += render_page(i)
        total += build_rows(i)
    return total


def expected():
    me = os.path.abspath(__file__)
    page = sys.getsizeof((ROW % (1, 0.25)) * REPEAT)
    rows = sys.getsizeof([(1, 2)] * N_ROWS) + N_ROWS * sys.getsizeof((1, 2))
    return {
        str(lineof(me, "page")): {"kind": "churn", "mb": 0.0, "kept_mb": 0.0,
                                  "peak_transient_mb": round(page / MB, 3),
                                  "allocated_mb_total": round(REQUESTS * page / MB, 1)},
        str(lineof(me, "rows")): {"kind": "churn", "mb": 0.0, "kept_mb": 0.0,
                                  "peak_transient_mb": round(rows / MB, 3),
                                  "allocated_mb_total": round(REQUESTS * rows / MB, 1)},
    }


def main():
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        serve(200)
        cur, peak = tracemalloc.get_traced_memory()
        print("VERIFY kept after 200 requests %.3f MB, peak %.3f MB" % ((cur - base) / MB, (peak - base) / MB))
        exp = expected()
        want_peak = sum(v["peak_transient_mb"] for v in exp.values())
        ok = (cur - base) / MB < 0.25 and (peak - base) / MB <= want_peak * 1.1 + 0.05
        print("VERIFY expected peak <= %.3f MB" % want_peak)
        print("VERIFY", "PASS" if ok else "FAIL")
        return
    serve(REQUESTS)
    emit(expected())


if __name__ == "__main__":
    main()
