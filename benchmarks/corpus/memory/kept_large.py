"""Memory ground truth: large, touched allocations that stay alive.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  blob   b"x" * 160 MiB                      -> kept 160.0 MB (bytes, memset)
  buffer bytearray(120 MiB), then written    -> kept 120.0 MB (memset + writes)
  table  105 000 bytes objects of 1000 bytes -> kept ~104 MB (objects + list)
After allocating, the program keeps everything alive while it scans the
data for ~1.5 s of CPU, then prints the ground truth.
Values are sys.getsizeof-based (requested bytes, what tracemalloc sees);
`--verify` re-measures every line with tracemalloc and prints both.
MB = 2**20 bytes.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

BLOB = 160 * 1024 * 1024
BUF = 120 * 1024 * 1024
ROWS = 105000


def load_blob():
    return b"x" * BLOB  # [gt:blob]


def make_buffer():
    buf = bytearray(BUF)  # [gt:buffer]
    for off in range(0, BUF, 4096):
        buf[off] = 1
    return buf


def make_table():
    return [bytes([i % 251]) * 1000 for i in range(ROWS)]  # [gt:table]


def scan(blob, buf, table, rounds):
    total = 0
    for _ in range(rounds):
        total += blob.count(b"y")
        total += buf.count(b"\x01")
        total += sum(len(r) for r in table)
    return total


def expected():
    me = os.path.abspath(__file__)
    table_mb = (sys.getsizeof([]) + 8 * ROWS + ROWS * (sys.getsizeof(b"") + 1000)) / MB
    return {
        str(lineof(me, "blob")): {"kind": "kept", "mb": round((sys.getsizeof(b"") + BLOB) / MB, 2)},
        str(lineof(me, "buffer")): {"kind": "kept", "mb": round((BUF + 1) / MB, 2)},
        str(lineof(me, "table")): {"kind": "kept", "mb": round(table_mb, 2)},
    }


def main():
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        kept = (load_blob(), make_buffer(), make_table())
        measured = traced_by_line(tracemalloc.take_snapshot(), os.path.abspath(__file__))
        check(expected(), measured)
        del kept
        return
    blob = load_blob()
    buf = make_buffer()
    table = make_table()
    scan(blob, buf, table, 16)
    emit(expected())


if __name__ == "__main__":
    main()
