"""Memory ground truth: a slow leak of medium blocks -- a thumbnail cache.

A gallery service "decodes" 1300 synthetic image descriptions (a JSON
document with a run-length pixel string of ~8 KB), computes a 16-bin
luminance histogram in Python (regex findall, int parsing, dict counting,
sorting, string formatting) and keeps a 48 KiB thumbnail `bytes` per image
in the module-level dict THUMBS, keyed by image id, that is never pruned.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  leak  THUMBS[doc["id"]] = row * THUMB_ROWS  (one bytes multiplication,
        49152 payload bytes) for each of 1300 images, plus the dict's table
        -> kept ~61.0 MB at exit, growing linearly over the run
Everything else (descriptions, decoded dicts, regex matches, histograms)
is freed every iteration; no other line keeps >= 5 % of the total.
About 2.3 ms of CPU per image, ~3.3 s CPU in all, i.e. ~18 MB per CPU second
(the program prints the wall-clock rate it actually achieved).
Values: sys.getsizeof arithmetic (requested bytes); `--verify` measures
with tracemalloc on a shorter run (300 images). MB = 2**20 bytes.
"""
import json
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

THUMBS = {}
IMAGES = 1300
ROW_BYTES = 192
THUMB_ROWS = 256  # 192 * 256 = 49152 bytes = 48 KiB per thumbnail
RUN_RE = re.compile(r"([a-p])(\d+)")
TAG_RE = re.compile(r"#(\w+)")
LEVELS = "abcdefghijklmnop"


def describe(rng, img_id):
    runs = " ".join("%s%d" % (rng.choice(LEVELS), rng.randint(1, 40)) for _ in range(2000))
    doc = {"id": img_id, "w": rng.randint(640, 4096), "h": rng.randint(480, 3072),
           "caption": " ".join("#tag%d" % rng.randint(0, 50) for _ in range(12)),
           "exif": {"iso": rng.choice([100, 200, 400, 800]), "f": rng.random() * 16},
           "pixels": runs}
    return json.dumps(doc)


def make_thumb(text):
    doc = json.loads(text)
    hist = {}
    for level, count in RUN_RE.findall(doc["pixels"]):
        hist[level] = hist.get(level, 0) + int(count)
    tags = sorted(set(TAG_RE.findall(doc["caption"])))
    ranked = sorted(hist.items(), key=lambda kv: (-kv[1], kv[0]))
    label = "%s %dx%d %s" % (doc["id"], doc["w"], doc["h"], ",".join(tags[:3]))
    shade = (LEVELS.index(ranked[0][0]) * 16 + len(label)) & 0xFF
    row = bytes((shade, 255 - shade)) * (ROW_BYTES // 2)
    THUMBS[doc["id"]] = row * THUMB_ROWS  # [gt:thumb]
    return shade


def expected(n):
    me = os.path.abspath(__file__)
    per = sys.getsizeof(b"") + ROW_BYTES * THUMB_ROWS
    table = sys.getsizeof(THUMBS) - sys.getsizeof({})
    assert len(THUMBS) == n
    kept = n * per + table
    return {str(lineof(me, "thumb")): {"kind": "leak", "mb": round(kept / MB, 2),
                                       "kept_mb": round(kept / MB, 2)}}


def run(n, start=0):
    rng = random.Random(1234 + start)
    acc = 0
    for i in range(start, start + n):
        acc ^= make_thumb(describe(rng, "img-%05d" % i))
    return acc


def main():
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        run(300)
        want = expected(300)
        measured = traced_by_line(tracemalloc.take_snapshot(), os.path.abspath(__file__))
        total = sum(v for v in measured.values() if v > 0)
        others = {k: v for k, v in measured.items() if k not in want}
        top = max(others.items(), key=lambda kv: kv[1], default=("-", 0.0))
        unl_ok = top[1] < 0.05 * total
        print("VERIFY largest unlabelled line %s keeps %.3f MB (%.2f %% of %.2f MB) %s" % (
            top[0], top[1], 100 * top[1] / total, total, "ok" if unl_ok else "MISMATCH"))
        if check(want, measured) and not unl_ok:
            print("VERIFY FAIL")
        return
    t0 = time.perf_counter()
    run(IMAGES)
    dt = time.perf_counter() - t0
    truth = expected(IMAGES)
    for v in truth.values():
        v["rate_mb_per_s_measured"] = round(v["mb"] / dt, 1)
    emit(truth)


if __name__ == "__main__":
    main()
