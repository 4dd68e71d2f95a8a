"""Memory ground truth: a plateau -- memory grows to ~300 MB during a
loading phase, then stays flat while the program computes over it.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  load  300 chunks of 1 MiB (bytes, touched) appended to a list during the
        first part of the run -> kept ~300 MB, then flat
  (the compute phase that follows allocates only tiny objects)
Timeline: loading ~0.5 s of CPU, then ~1.5 s of CPU with constant memory.
Values: sys.getsizeof arithmetic (requested bytes); `--verify` measures
with tracemalloc that the load line holds the value and that the compute
phase adds < 1 MB. MB = 2**20 bytes.
"""
import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

CHUNKS = 300
CHUNK = 1024 * 1024 - 33


def load():
    data = []
    for i in range(CHUNKS):
        seed = zlib.crc32(b"%d" % i).to_bytes(4, "little")
        data.append(seed * (CHUNK // 4) + seed[:CHUNK % 4])  # [gt:load]
    return data


def compute(data, rounds):
    acc = 0
    for _ in range(rounds):
        for chunk in data:
            acc = zlib.adler32(chunk, acc)
    return acc


def expected(data):
    me = os.path.abspath(__file__)
    mb = (sys.getsizeof(data) + sum(sys.getsizeof(c) for c in data)) / MB
    return {str(lineof(me, "load")): {"kind": "plateau", "mb": round(mb, 2), "kept_mb": round(mb, 2)}}


def main():
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        data = load()
        measured = traced_by_line(tracemalloc.take_snapshot(), os.path.abspath(__file__))
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        compute(data, 2)
        peak = tracemalloc.get_traced_memory()[1]
        print("VERIFY compute phase extra peak %.3f MB" % ((peak - before) / MB))
        check(expected(data), measured)
        return
    data = load()
    compute(data, 14)
    emit(expected(data))


if __name__ == "__main__":
    main()
