"""Memory ground truth: a nightly orders ETL job -- a dimension table kept
for the whole run, a slowly growing export, a few big checkpoint buffers
and large per-batch temporaries.

Phase 1 loads the customer dimension (60 000 customers) into a dict of
small tuples. Phase 2 pulls 272 CSV extracts of 1500 orders (~72 KB of
text each), parses each with the csv module (~730 KB of row lists and
field strings that stay alive for the whole ~10 ms batch), joins every
order with its customer, drops the small ones, and appends the encoded
export chunk to a list that is only written out at the very end. Every 68
batches the job checkpoints: it joins the whole export so far into one
bytes buffer, checksums it and drops it.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  customers   kept: the dict comprehension in load_customers() -- dict,
              int keys, tuples and 3 short strings each; built once at the
              start, ~17.8 MB, kept to the end
  export      leak: EXPORT.append("\\n".join(out).encode()) -- ~44 KB of
              bytes per batch -> ~11.9 MB at exit, growing linearly (includes
              the list's pointer array)
  checkpoint  peak_transient: b"\\n".join(EXPORT) -- built 4 times (~3, 6,
              9, 12 MB), freed right away; peak = the last one, ~11.9 MB
  extract     churn: the joined ~72 KB CSV text per batch
  rows        churn: the ~730 KB of csv row lists/strings per batch,
              ~65-90 MB per CPU second
  (churn lines keep 0 MB; "allocated_mb" is what they allocated in total
   by sys.getsizeof)
About 9-10 ms of CPU per batch, ~2.4-3 s in all. The rest of the file keeps
< 2 % of the total. Values: sys.getsizeof arithmetic of the objects
(requested bytes); `--verify` re-measures with tracemalloc on 120 batches
(checkpoint peak measured by a snapshot taken while the last checkpoint
buffer is alive; tracemalloc charges the customers line ~1.3 % more than
the getsizeof sum). MB = 2**20 bytes.
"""
import csv
import io
import os
import random
import sys
import time
import zlib
from itertools import chain

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

BATCHES = 272
ROWS = 1500
N_CUSTOMERS = 60000
BASE_ID = 100000
MIN_AMOUNT = 320.0
CUSTOMERS = {}
EXPORT = []
ALLOCATED = {"extract": 0, "rows": 0}
PEAK = {"checkpoint": 0, "probe": None}
FIRST = ("Ada", "Bram", "Cleo", "Dirk", "Elif", "Femke", "Gus", "Hana", "Ivo", "Jora", "Kees", "Lena",
         "Milo", "Nina", "Otto", "Pia", "Quin", "Rosa", "Sem", "Tess", "Umar", "Vera", "Wout", "Xena",
         "Yara", "Zeno", "Anouk", "Bas", "Carmen", "Daan", "Eva")
LAST = ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
        "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra",
        "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen",
        "van den Heuvel", "van der Veen", "van den Berg", "van Dijk", "Schouten", "van Beek", "Willems",
        "van Vliet", "van de Ven", "Hoekstra", "Maas", "Verhoeven", "Koster", "van Dam", "van der Wal",
        "Prins", "Blom", "Huisman", "Peeters", "de Jong", "Kuipers")
REGIONS = ("NL-NH", "NL-ZH", "NL-UT", "NL-GE", "NL-NB", "NL-LI", "BE-VAN", "BE-WLG", "DE-NW", "DE-BY",
           "FR-IDF", "LU-L")
CHANNELS = ("web", "app", "store", "phone", "partner")


def load_customers(n):
    return {cid: (f"{FIRST[cid % 31]} {LAST[(cid // 31) % 47]}", f"{REGIONS[cid % 12]}/{cid % 977:03d}", f"tier-{'ABCD'[cid % 4]}") for cid in range(BASE_ID, BASE_ID + n)}  # [gt:customers]


def extract(rng, batch):
    lo, hi = BASE_ID - 1500, BASE_ID + N_CUSTOMERS
    first = batch * ROWS
    lines = ["%d,%d,SKU-%05d,%d,%.2f,2024-03-%02d,%s" % (
        first + k, rng.randrange(lo, hi), rng.randrange(40000), 1 + int(rng.random() * 6),
        rng.random() * 180.0, 1 + k % 28, CHANNELS[k % 5]) for k in range(ROWS)]
    return "\n".join(lines)  # [gt:extract]


def transform(text):
    rows = list(csv.reader(io.StringIO(text)))  # [gt:rows]
    out = []
    rejected = 0
    for order_id, cid, sku, qty, price, day, channel in rows:
        cust = CUSTOMERS.get(int(cid))
        if cust is None:
            rejected += 1
            continue
        amount = int(qty) * float(price)
        if amount < MIN_AMOUNT or not day.startswith("2024-"):
            continue
        out.append(f"{order_id},{cid},{cust[0]},{cust[1]},{cust[2]},{sku},{amount:.2f},{day},{channel}")
    EXPORT.append("\n".join(out).encode())  # [gt:export]
    ALLOCATED["rows"] += (sys.getsizeof(rows) + sum(map(sys.getsizeof, rows))
                          + sum(map(sys.getsizeof, chain.from_iterable(rows))))
    return rejected


def checkpoint(crc, probe):
    blob = b"\n".join(EXPORT)  # [gt:checkpoint]
    PEAK["checkpoint"] = max(PEAK["checkpoint"], sys.getsizeof(blob))
    if probe is not None:
        probe()
    return zlib.crc32(blob, crc)


def run(n, probe=None):
    global CUSTOMERS
    CUSTOMERS = load_customers(N_CUSTOMERS)
    rng = random.Random(2024)
    every = n // 4
    crc = rejected = 0
    for batch in range(n):
        text = extract(rng, batch)
        ALLOCATED["extract"] += sys.getsizeof(text)
        rejected += transform(text)
        if (batch + 1) % every == 0:
            crc = checkpoint(crc, probe if batch + 1 == 4 * every else None)
    return crc, rejected


def expected():
    me = os.path.abspath(__file__)
    cust = sys.getsizeof(CUSTOMERS) + sum(
        sys.getsizeof(k) + sys.getsizeof(t) + sum(map(sys.getsizeof, t)) for k, t in CUSTOMERS.items())
    export = sys.getsizeof(EXPORT) - sys.getsizeof([]) + sum(map(sys.getsizeof, EXPORT))
    peak = PEAK["checkpoint"] / MB
    truth = {
        str(lineof(me, "customers")): {"kind": "kept", "mb": round(cust / MB, 2), "kept_mb": round(cust / MB, 2),
                                       "entries": len(CUSTOMERS)},
        str(lineof(me, "export")): {"kind": "leak", "mb": round(export / MB, 2), "kept_mb": round(export / MB, 2),
                                    "chunks": len(EXPORT)},
        str(lineof(me, "checkpoint")): {"kind": "peak_transient", "mb": round(peak, 2),
                                        "peak_transient_mb": round(peak, 2), "kept_mb": 0.0},
    }
    for tag in ("extract", "rows"):
        truth[str(lineof(me, tag))] = {"kind": "churn", "mb": 0.0, "kept_mb": 0.0,
                                       "allocated_mb": round(ALLOCATED[tag] / MB, 1)}
    return truth


def main():
    me = os.path.abspath(__file__)
    if "--verify" in sys.argv:
        import tracemalloc
        cp_line = str(lineof(me, "checkpoint"))

        def probe():
            PEAK["probe"] = traced_by_line(tracemalloc.take_snapshot(), me).get(cp_line, 0.0)

        tracemalloc.start()
        run(120, probe)
        measured = traced_by_line(tracemalloc.take_snapshot(), me)
        tracemalloc.stop()
        want = expected()
        total = sum(v for v in measured.values() if v > 0)
        others = {k: v for k, v in measured.items() if k not in want}
        top = max(others.items(), key=lambda kv: kv[1], default=("-", 0.0))
        unl_ok = top[1] < 0.02 * total
        print("VERIFY largest unlabelled line %s keeps %.3f MB (%.2f %% of %.2f MB) %s" % (
            top[0], top[1], 100 * top[1] / total, total, "ok" if unl_ok else "MISMATCH"))
        end_cp = measured.get(cp_line, 0.0)
        cp_ok = end_cp < 0.5
        print("VERIFY line %s peak_transient still holds %.2f MB at exit %s" % (
            cp_line, end_cp, "ok" if cp_ok else "MISMATCH"))
        measured[cp_line] = PEAK["probe"] or 0.0
        if not check(want, measured) or not unl_ok or not cp_ok:
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
        elif v["kind"] == "churn":
            v["churn_mb_per_cpu_s_measured"] = round(v["allocated_mb"] / dc, 1)
    emit(truth)


if __name__ == "__main__":
    main()
