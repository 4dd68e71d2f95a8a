"""Memory ground truth (holdout): a slow leak -- a cache of parsed documents
that is never evicted, growing by 40 KiB per document between parsing work.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  leak  PARSED[key] = 40 KiB bytes per parsed document, 1500 documents
        -> kept ~58.7 MB at exit, growing linearly over the run
Each document first costs ~2 ms of CPU (JSON decoding, tokenising, word
counting), so the cache grows slowly: about 20 MB/s on an idle core (the
total kept is exact, the rate depends on CPU speed and load). The program
prints the rate it actually achieved as "rate_mb_per_s_measured".
Values: sys.getsizeof arithmetic (requested bytes, the dict's table
included); `--verify` measures the line with tracemalloc on a shorter run.
MB = 2**20 bytes.
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

PARSED = {}
DOCS = 1500
BLOB = 40 * 1024 - 33  # 40 KiB per cached bytes object including its header
WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
         "omicron pi rho sigma tau upsilon phi chi psi omega").split()
TOKEN_RE = re.compile(r"[a-z]+|\d+")


def make_source(i):
    body = " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] + str(k % 13) for k in range(3600))
    return json.dumps({"id": i, "title": "doc %d" % i, "body": body, "tags": WORDS[i % 5:i % 5 + 4]})


def parse(i):
    doc = json.loads(make_source(i))
    counts = {}
    for tok in TOKEN_RE.findall(doc["body"]):
        counts[tok] = counts.get(tok, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    fill = (sum(c for _, c in top) + doc["id"]) % 251
    key = 1_000_000 + i
    PARSED[key] = bytes((fill,)) * BLOB  # [gt:leak]
    return fill


def expected(n):
    me = os.path.abspath(__file__)
    per = sys.getsizeof(b"") + BLOB
    table = sys.getsizeof(PARSED) - sys.getsizeof({})
    mb = round((n * per + table) / MB, 2)
    return {str(lineof(me, "leak")): {"kind": "leak", "mb": mb, "kept_mb": mb}}


def main():
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        for i in range(300):
            parse(i)
        measured = traced_by_line(tracemalloc.take_snapshot(), os.path.abspath(__file__))
        check(expected(300), measured)
        return
    t0 = time.perf_counter()
    acc = 0
    for i in range(DOCS):
        acc ^= parse(i)
    dt = time.perf_counter() - t0
    print("documents", len(PARSED), "acc", acc)
    truth = expected(DOCS)
    for v in truth.values():
        v["rate_mb_per_s_measured"] = round(v["mb"] / dt, 1)
    emit(truth)


if __name__ == "__main__":
    main()
