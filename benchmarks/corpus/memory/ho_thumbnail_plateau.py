"""Memory ground truth (holdout): a batch job whose memory plateaus -- a
bounded first-in-first-out cache of rendered thumbnails.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  plateau  self.entries[key] = 512 KiB bytes per rendered thumbnail; the
           cache holds at most 180 entries, evicting the oldest, while the
           job renders 900 thumbnails
           -> memory grows for the first 180 thumbnails (~20 % of the run),
              then stays flat at ~90 MB until exit (kept at exit: ~90 MB)
Each thumbnail costs ~1.5 ms of CPU (a checksum over the source image) so
the growth phase and the flat phase are both visible in a timeline.
Values: sys.getsizeof arithmetic (requested bytes, the dict's table
included); `--verify` measures the line with tracemalloc on a shorter run
(cap 40, 120 renders). MB = 2**20 bytes.
"""
import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

THUMB = 512 * 1024 - 33  # 512 KiB per cached bytes object including its header
CAP = 180
RENDERS = 900
SOURCE = bytes(range(256)) * 2048  # a 512 KiB "source image"


class ThumbnailCache:
    def __init__(self, cap):
        self.cap = cap
        self.entries = {}

    def render(self, image_id):
        if image_id in self.entries:
            return self.entries[image_id][0]
        crc = 0
        for k in range(12):
            crc = zlib.crc32(SOURCE, crc ^ (image_id * 31 + k))
        if len(self.entries) >= self.cap:
            del self.entries[next(iter(self.entries))]
        self.entries[image_id] = bytes((crc & 0xFF,)) * THUMB  # [gt:plateau]
        return crc & 0xFF


def expected(cache, renders):
    me = os.path.abspath(__file__)
    per = sys.getsizeof(b"") + THUMB
    n = len(cache.entries)
    table = sys.getsizeof(cache.entries) - sys.getsizeof({})
    mb = round((n * per + table) / MB, 2)
    return {str(lineof(me, "plateau")): {"kind": "plateau", "mb": mb, "kept_mb": mb,
                                         "cap_entries": cache.cap, "renders": renders,
                                         "flat_after_fraction": round(cache.cap / renders, 3)}}


def run(cap, renders):
    cache = ThumbnailCache(cap)
    acc = 0
    for i in range(renders):
        acc ^= cache.render(i * 7 % 100003)
    return cache, acc


def main():
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        cache, _ = run(40, 120)
        measured = traced_by_line(tracemalloc.take_snapshot(), os.path.abspath(__file__))
        check(expected(cache, 120), measured)
        return
    cache, acc = run(CAP, RENDERS)
    print("cached", len(cache.entries), "acc", acc)
    emit(expected(cache, RENDERS))


if __name__ == "__main__":
    main()
