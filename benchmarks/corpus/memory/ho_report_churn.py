"""Memory ground truth (holdout): churn that keeps nothing.

A report server renders 1500 requests; each builds ~2000 row strings, joins
them into a ~110 KB page, compresses it and returns only the compressed
size. Everything allocated for a request is freed before the next one.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  rows  the list of formatted row strings of one request (~0.2 MB live at
        a time) -> kept 0
  page  the joined page string (~0.1 MB live at a time) -> kept 0
Both lines allocate a lot in total (printed as "allocated_mb_total", from
sys.getsizeof arithmetic of one request times the number of requests) but
keep nothing: a memory profiler should report ~0 MB kept for them and no
growth over the run. `--verify` runs 300 requests under tracemalloc and
checks that both lines hold ~0 MB afterwards (and, while one request's
objects are alive, that they are charged to these two lines).
MB = 2**20 bytes.
"""
import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

REQUESTS = 1500
ROWS = 2000
ROW = "<tr><td>%d</td><td>%s</td><td>%.2f</td></tr>"


def render(req):
    rows = [ROW % (k, "item-%d" % ((k * req) % 997), k * 0.25) for k in range(ROWS)]  # [gt:rows]
    page = "<table>" + "".join(rows) + "</table>"  # [gt:page]
    return len(zlib.compress(page.encode(), 1)), rows, page


def expected(rows, page, requests):
    me = os.path.abspath(__file__)
    rows_bytes = sys.getsizeof(rows) + sum(sys.getsizeof(r) for r in rows)
    page_bytes = sys.getsizeof(page)
    return {str(lineof(me, "rows")): {"kind": "churn", "mb": 0.0, "kept_mb": 0.0,
                                      "allocated_mb_total": round(rows_bytes * requests / MB, 1)},
            str(lineof(me, "page")): {"kind": "churn", "mb": 0.0, "kept_mb": 0.0,
                                      "allocated_mb_total": round(page_bytes * requests / MB, 1)}}


def serve(requests):
    total = 0
    for req in range(requests):
        size, _, _ = render(req)
        total += size
    return total


def main():
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        me = os.path.abspath(__file__)
        serve(300)
        measured = traced_by_line(tracemalloc.take_snapshot(), me)
        _, rows, page = render(1)
        check(expected(rows, page, 300), measured)
        # while one request's objects are alive they are charged to the two lines
        live = traced_by_line(tracemalloc.take_snapshot(), me)
        one = {line: {"kind": "live", "mb": v["allocated_mb_total"] / 300}
               for line, v in expected(rows, page, 300).items()}
        check(one, live, tol=0.05)
        return
    total = serve(REQUESTS)
    print("requests", REQUESTS, "compressed bytes", total)
    _, rows, page = render(1)
    emit(expected(rows, page, REQUESTS))


if __name__ == "__main__":
    main()
