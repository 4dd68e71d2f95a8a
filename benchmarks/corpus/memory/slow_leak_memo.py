"""Memory ground truth: a slow leak through an unbounded memoization cache
-- a fare-quote service memoizes fare_table(origin, dest, day) in a plain
dict keyed by the argument tuple, and the day keeps advancing, so almost
every request adds an entry that is never used again.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  leak   the list comprehension in fare_table() that builds the memoized
         result: 64 formatted fare strings (~86 chars) per entry, ~8.3 KB;
         3385 misses in 4000 requests -> 27.45 MB kept, growing linearly at
         ~9 MB per CPU second (~0.75 ms of CPU per request)
  rows   churn: per request 140 formatted report rows (~22 KB), dropped
  page   churn: the joined ~14 KB response page, compressed and dropped
  (both churn lines keep 0 MB; "allocated_mb" is what they allocated in
   total by sys.getsizeof -- ~86 and ~56 MB; json/zlib/hashlib churn is
   charged to the stdlib)
The cache's own table, key tuples and the rest of the file keep < 3 %.
The program prints the rate it achieved as "rate_mb_per_s_measured" (wall)
and "rate_mb_per_cpu_s_measured". Values: sys.getsizeof arithmetic
(requested bytes); `--verify` re-measures with tracemalloc on 1000
requests. MB = 2**20 bytes.
"""
import hashlib
import json
import os
import random
import re
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

REQUESTS = 4000
DAYS = 200
CITIES = ("AMS", "BER", "CPH", "DUB", "LIS", "MAD", "OSL", "VIE")
CANON = {c: c for c in CITIES}
CARRIERS = ("KL", "LH", "SK", "EI", "TP", "IB", "DY", "OS")
ROW = "%s-%s %7.2f %s%04d dep %02d:%02d day %03d fare-class %s seats %02d ref %08x"
TOKEN_RE = re.compile(r"\b([A-Z]{3})-([A-Z]{3}) +(\d+\.\d\d)")
ALLOCATED = {"rows": 0, "page": 0}


def memoize(fn):
    cache = {}

    def wrapper(*args):
        try:
            return cache[args]
        except KeyError:
            value = cache[args] = fn(*args)
            return value
    wrapper.cache = cache
    return wrapper


@memoize
def fare_table(origin, dest, day):
    seed = zlib.crc32(("%s%s%d" % (origin, dest, day)).encode())
    base = 40 + seed % 160
    fares = []
    for k in range(64):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        p, c, h = base * (1 + (seed % 900) / 1000.0), CARRIERS[seed % 8], seed % 24
        fares.append((p, h, (origin, dest, p, c, k * 37 % 10000, h, k * 7 % 60, day, "YBMHQ"[k % 5], k % 9,
                             int(p * 1e5))))
    fares.sort()
    return [ROW % f[2] for f in fares]  # [gt:leak]


def handle(req_text):
    req = json.loads(req_text)
    table = fare_table(CANON[req["from"]], CANON[req["to"]], req["day"])
    rows = ["%3d | %-60s | %s | %8.2f" % (i, line, req["user"], float(line[8:15]) * req["pax"])  # [gt:rows]
            for i, line in enumerate(table + table[::-1] + table[:12])]
    page = "<pre>\n" + "\n".join(rows) + "\n</pre>"  # [gt:page]
    ALLOCATED["rows"] += sys.getsizeof(rows) + sum(map(sys.getsizeof, rows))
    ALLOCATED["page"] += sys.getsizeof(page)
    cheapest = min(float(p) for _, _, p in TOKEN_RE.findall(page))
    etag = hashlib.sha1(zlib.compress(page.encode(), 1)).hexdigest()
    return cheapest, etag


def run(n):
    rng = random.Random(7)
    best = 0.0
    for i in range(n):
        o, d = rng.sample(CITIES, 2)
        req = json.dumps({"from": o, "to": d, "day": i * DAYS // n, "pax": rng.randrange(1, 5),
                          "user": "user%05d" % rng.randrange(50000)})
        best += handle(req)[0]
    return best


def expected():
    me = os.path.abspath(__file__)
    cache = fare_table.cache
    kept = sum(sys.getsizeof(v) + sum(map(sys.getsizeof, v)) for v in cache.values()) / MB
    truth = {str(lineof(me, "leak")): {"kind": "leak", "mb": round(kept, 2), "kept_mb": round(kept, 2),
                                       "entries": len(cache)}}
    for tag in ("rows", "page"):
        truth[str(lineof(me, tag))] = {"kind": "churn", "mb": 0.0, "kept_mb": 0.0,
                                       "allocated_mb": round(ALLOCATED[tag] / MB, 1)}
    return truth


def main():
    me = os.path.abspath(__file__)
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        run(1000)
        measured = traced_by_line(tracemalloc.take_snapshot(), me)
        exp = expected()
        total = sum(measured.values())
        others = {k: v for k, v in measured.items() if k not in exp}
        top = max(others.items(), key=lambda kv: kv[1])
        print("VERIFY retained in this file %.2f MB; largest unlabelled line %s holds %.2f %%" % (
            total, top[0], 100 * top[1] / total))
        strict = top[1] < 0.05 * total
        for line, v in sorted(exp.items()):
            got = measured.get(line, 0)
            err = abs(got - v["mb"]) / v["mb"] if v["mb"] else got / total
            strict = strict and err <= 0.05
            print("VERIFY line %s %s relative error %.2f %% (churn: share of retained)" % (line, v["kind"], 100 * err))
        if not strict:
            print("VERIFY strict 5 % check failed")
        if not check(exp, measured) or not strict:
            print("VERIFY FAIL")
        return
    t0, c0 = time.perf_counter(), time.process_time()
    run(REQUESTS)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    truth = expected()
    for v in truth.values():
        if v["kind"] == "leak":
            v["rate_mb_per_s_measured"] = round(v["mb"] / dt, 2)
            v["rate_mb_per_cpu_s_measured"] = round(v["mb"] / dc, 2)
    emit(truth)


if __name__ == "__main__":
    main()
