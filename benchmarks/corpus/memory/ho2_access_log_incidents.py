"""Memory ground truth: an access-log incident tracker with a slow leak made
of many small objects, next to large per-batch temporaries.

A log shipper hands over batches of 200 access-log lines (~32 KB of text).
Each batch is parsed with one compiled regex into 200 tuples of 9 strings
(~130 KB of small objects that stay alive while the batch is analysed:
error share, slowest request, hottest paths). For every batch the tracker
then files an "incident" record -- a dict of 11 short formatted strings --
into a module-level list that nobody ever trims.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  incident  leak: INCIDENTS.append({...}) -- one dict + 11 fresh strings
            (~2.9 KB) per batch, 4000 batches -> ~11.3 MB kept at exit,
            growing linearly through the whole run (includes the list's
            pointer array)
  blob      churn: the joined ~32 KB batch text, rebuilt every batch
  rows      churn: the ~130 KB of regex tuples/strings per batch, alive for
            most of the batch (~0.8 ms) and dropped; ~150 MB per CPU
            second are churned through this line
  (churn lines keep 0 MB; "allocated_mb" is the total they allocated by
   sys.getsizeof)
About 0.8-0.9 ms of CPU per batch, ~3.3-3.6 s in all. The log-line pool and the rest
of the file keep < 2 % of the total. Values: sys.getsizeof arithmetic of
the kept objects (requested bytes); `--verify` re-measures with tracemalloc
on 1000 batches. MB = 2**20 bytes. (tracemalloc may still charge ~0.1 MB to the rows line at exit:
CPython's tuple free lists keep some freed tuples allocated.)
"""
import os
import random
import re
import sys
import time
from collections import Counter
from itertools import chain
from operator import itemgetter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

BATCHES = 4000
LINES_PER_BATCH = 200
INCIDENTS = []
ALLOCATED = {"blob": 0, "rows": 0}
LOG_RE = re.compile(r'^(\S+) - (\S+) \[([^\]]+)\] "(\w+) (\S+) HTTP/1\.[01]" (\d{3}) (\d+) (\d+)ms "([^"]*)"$',
                    re.M)
METHODS = ("GET", "GET", "GET", "POST", "PUT", "DELETE")
STATUSES = (200, 200, 200, 200, 201, 304, 404, 500, 502, 503)
ROUTES = ("/api/v2/items/%d", "/api/v2/users/%d/orders", "/static/img/%d.png", "/search?q=term%d",
          "/api/v2/cart/%d/checkout", "/healthz?probe=%d")


def _pool(seed, n=256):
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        lines.append('10.%d.%d.%d - user%04d [12/Mar/2024:10:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d %dms '
                     '"Mozilla/5.0 (X11; Linux x86_64) client/%d.%d"' % (
                         rng.randrange(256), rng.randrange(256), rng.randrange(256), rng.randrange(9999),
                         rng.randrange(60), rng.randrange(60), rng.choice(METHODS),
                         rng.choice(ROUTES) % rng.randrange(99999), rng.choice(STATUSES),
                         rng.randrange(100000), int(rng.expovariate(1 / 180.0)), rng.randrange(9),
                         rng.randrange(99)))
    return lines


POOL = _pool(20240312)


def analyse(rng, batch_no):
    blob = "\n".join(rng.choices(POOL, k=LINES_PER_BATCH))  # [gt:blob]
    rows = LOG_RE.findall(blob)  # [gt:rows]
    errors = [r for r in rows if r[5] >= "500"]
    latency = list(map(int, map(itemgetter(7), rows)))
    slow = rows[latency.index(max(latency))]
    hot = Counter(map(itemgetter(4), rows)).most_common(10)
    INCIDENTS.append({"batch": f"batch-{batch_no:06d}", "window": f"{rows[0][2]} .. {rows[-1][2]}", "worst": f"{slow[3]} {slow[4]} took {slow[7]}ms status {slow[5]}", "client": f"client={slow[0]} user={slow[1]}", "agent": f"ua: {slow[8]}", "hot": ", ".join([f"{p} x{c}" for p, c in hot]), "errors": f"{len(errors)} of {len(rows)} failed ({100.0 * len(errors) / len(rows):.1f} %)", "failed": " | ".join([f"{r[5]} {r[3]} {r[4]}" for r in errors[:24]]), "latency": f"mean latency {sum(latency) / len(latency):.2f} ms, max {max(latency)} ms", "clients": " ".join([f"{r[0]}/{r[1]}" for r in errors[:24]]), "raw": f'{slow[0]} - {slow[1]} [{slow[2]}] "{slow[3]} {slow[4]}" {slow[5]} {slow[6]} {slow[7]}ms'})  # [gt:incident]
    ALLOCATED["blob"] += sys.getsizeof(blob)
    ALLOCATED["rows"] += (sys.getsizeof(rows) + sum(map(sys.getsizeof, rows))
                          + sum(map(sys.getsizeof, chain.from_iterable(rows))))
    return len(errors)


def run(n):
    rng = random.Random(7)
    failed = 0
    for k in range(n):
        failed += analyse(rng, k)
    return failed


def expected():
    me = os.path.abspath(__file__)
    kept = sys.getsizeof(INCIDENTS) - sys.getsizeof([])
    kept += sum(sys.getsizeof(d) + sum(map(sys.getsizeof, d.values())) for d in INCIDENTS)
    truth = {str(lineof(me, "incident")): {"kind": "leak", "mb": round(kept / MB, 2), "kept_mb": round(kept / MB, 2),
                                           "records": len(INCIDENTS)}}
    for tag in ("blob", "rows"):
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
        tracemalloc.stop()
        want = expected()
        total = sum(v for v in measured.values() if v > 0)
        others = {k: v for k, v in measured.items() if k not in want}
        top = max(others.items(), key=lambda kv: kv[1], default=("-", 0.0))
        unl_ok = top[1] < 0.02 * total
        print("VERIFY largest unlabelled line %s keeps %.3f MB (%.2f %% of %.2f MB) %s" % (
            top[0], top[1], 100 * top[1] / total, total, "ok" if unl_ok else "MISMATCH"))
        if not check(want, measured) or not unl_ok:
            print("VERIFY FAIL")
        return
    t0, c0 = time.perf_counter(), time.process_time()
    run(BATCHES)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    truth = expected()
    for v in truth.values():
        if v["kind"] == "leak":
            v["rate_mb_per_s_measured"] = round(v["mb"] / dt, 2)
            v["rate_mb_per_cpu_s_measured"] = round(v["mb"] / dc, 2)
        else:
            v["churn_mb_per_cpu_s_measured"] = round(v["allocated_mb"] / dc, 1)
    emit(truth)


if __name__ == "__main__":
    main()
