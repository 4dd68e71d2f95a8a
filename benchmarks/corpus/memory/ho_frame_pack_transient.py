"""Memory ground truth (holdout): a transient 150 MB buffer inside a small
helper function.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  buffer  pack_frames() allocates a 150 MiB bytearray, copies the frames
          into it, checksums it and returns only the checksum
          -> peak transient ~150 MB, kept 0
  frames  decode_frames() returns 24 frames of 1 MiB; main() holds them
          while packing and drops them at the next clip
          -> peak transient ~24 MB, kept 0 at exit (secondary line)
The helper is called 5 times from main(), with ~0.3 s of unrelated CPU work
(frame decoding) between calls, so the process memory goes up by ~150 MB and
back down each time while nothing is kept.
Values: requested bytes from sys.getsizeof arithmetic; `--verify` measures
the helper's peak with tracemalloc (reset_peak / get_traced_memory).
MB = 2**20 bytes.
"""
import hashlib
import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof  # noqa: E402

BUFFER = 150 * 1024 * 1024
FRAME = 1024 * 1024


def decode_frames(seed, n=24):
    frames = []
    h = hashlib.sha256(seed)
    for _ in range(n):
        for _ in range(12000):
            h = hashlib.sha256(h.digest())
        frames.append(h.digest() * (FRAME // 32))  # [gt:frames]
    return frames


def pack_frames(frames):
    out = bytearray(BUFFER)  # [gt:buffer]
    pos = 0
    for f in frames:
        out[pos:pos + len(f)] = f
        pos += len(f)
    return zlib.crc32(out)


def expected():
    me = os.path.abspath(__file__)
    header = sys.getsizeof(bytearray(16)) - 16
    frames = 24 * (sys.getsizeof(b"") + FRAME) + sys.getsizeof([None] * 24)
    return {str(lineof(me, "buffer")): {"kind": "peak_transient", "mb": round((header + BUFFER) / MB, 2),
                                        "kept_mb": 0.0},
            str(lineof(me, "frames")): {"kind": "peak_transient", "mb": round(frames / MB, 2),
                                        "kept_mb": 0.0}}


def main():
    if "--verify" in sys.argv:
        import tracemalloc
        me = os.path.abspath(__file__)
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        frames = decode_frames(b"verify")
        measured = {str(lineof(me, "frames")): (tracemalloc.get_traced_memory()[1] - base) / MB}
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        pack_frames(frames)
        cur, peak = tracemalloc.get_traced_memory()
        print("VERIFY buffer kept after return %.3f MB" % ((cur - base) / MB))
        measured[str(lineof(me, "buffer"))] = (peak - base) / MB
        check(expected(), measured)
        return
    acc = 0
    for i in range(5):
        frames = decode_frames(b"clip-%d" % i)
        acc ^= pack_frames(frames)
    print("acc %08x" % acc)
    emit(expected())


if __name__ == "__main__":
    main()
