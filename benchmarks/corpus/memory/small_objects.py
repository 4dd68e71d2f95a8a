"""Memory ground truth: millions of small objects, all kept.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  points  2 000 000 __slots__ Point objects, each holding two fresh floats,
          plus the list that holds them            -> kept ~ 199 MB
  names   1 500 000 short str objects in a list    -> kept ~ 116 MB
  index   dict name -> Point (only the dict's own table: keys and values
          are shared with `names` and `points`)   -> kept ~ 59 MB
"mb" is requested bytes (what tracemalloc sees); it is computed in normal
mode from sys.getsizeof of the real containers and of one object of each
kind (O(1), nothing allocated while profiled). "mb_rounded" adds pymalloc's
16-byte size-class rounding for objects <= 512 bytes, closer to what an
RSS-based profiler sees. `--verify` re-measures each line with tracemalloc.
MB = 2**20 bytes.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

N_POINTS = 2000000
N_NAMES = 1500000


class Point:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y


def build():
    points = [Point(i * 0.5, i * 0.25) for i in range(N_POINTS)]  # [gt:points]
    names = ["user-%07d@example.org" % i for i in range(N_NAMES)]  # [gt:names]
    index = {name: p for name, p in zip(names, points)}  # [gt:index]
    return points, names, index


def r16(n):
    return (n + 15) // 16 * 16


def expected(points, names, index):
    me = os.path.abspath(__file__)
    p = sys.getsizeof(points[1])
    f = sys.getsizeof(points[1].x)
    s = sys.getsizeof(names[1])
    return {
        str(lineof(me, "points")): {
            "kind": "kept",
            "mb": round((sys.getsizeof(points) + len(points) * (p + 2 * f)) / MB, 2),
            "mb_rounded": round((sys.getsizeof(points) + len(points) * (r16(p) + 2 * r16(f))) / MB, 2)},
        str(lineof(me, "names")): {
            "kind": "kept",
            "mb": round((sys.getsizeof(names) + len(names) * s) / MB, 2),
            "mb_rounded": round((sys.getsizeof(names) + len(names) * r16(s)) / MB, 2)},
        str(lineof(me, "index")): {
            "kind": "kept",
            "mb": round(sys.getsizeof(index) / MB, 2),
            "mb_rounded": round(sys.getsizeof(index) / MB, 2)},
    }


def main():
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        kept = build()
        measured = traced_by_line(tracemalloc.take_snapshot(), os.path.abspath(__file__))
        tracemalloc.stop()
        check(expected(*kept), measured)
        return
    points, names, index = build()
    total = 0.0
    for _ in range(3):
        total += sum(p.y - p.x for p in points[::2])
        total += sum(len(n) for n in names[::3])
    emit(expected(points, names, index))


if __name__ == "__main__":
    main()
