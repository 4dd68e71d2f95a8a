"""Cache warmer.

A pool of warmer threads precomputes expensive cache entries.  Access to the
(simulated) backing store is throttled with a Semaphore, inserts go through a
Lock, and a janitor thread wakes up periodically (Event.wait with a timeout)
to compact finished batches of the cache.
"""
import json
import threading
import time

CPU_TOTALS = {}
_cpu_lock = threading.Lock()

N_WARMERS = 6
N_KEYS = 360
BATCH = 20
BACKEND_SLOTS = threading.Semaphore(2)


def _account(name, seconds):
    _cpu_lock.acquire()
    try:
        CPU_TOTALS[name] = CPU_TOTALS.get(name, 0.0) + seconds
    finally:
        _cpu_lock.release()


def compute_entry(key):
    """Expensive 'render' of a cache entry: a small DP table."""
    t0 = time.thread_time()
    width = 150 + key % 11
    row = [0] * width
    for i in range(width):
        row[i] = (key * 7 + i * i) % 101
    for step in range(width):
        prev = row[0]
        for j in range(1, width):
            cur = row[j]
            best = prev + cur
            if cur * 2 > best:
                best = cur * 2
            row[j] = best % 100003
            prev = cur
    digest = 0
    for v in row:
        digest = (digest ^ v) * 16777619 % 4294967296
    _account("compute_entry", time.thread_time() - t0)
    return {"key": key, "digest": digest, "row": row}


def compact_cache(entries):
    """Rewrite a batch of entries into a compact, delta-encoded form."""
    t0 = time.thread_time()
    compacted = {}
    saved = 0
    for rounds in range(80):
        for e in entries:
            row = e["row"]
            deltas = []
            last = 0
            for v in row:
                d = v - last
                if d < 0:
                    d = -d * 2 + 1
                else:
                    d = d * 2
                deltas.append(d)
                last = v
            small = 0
            for d in deltas:
                if d < 128:
                    small += 1
            saved += small
            compacted[e["key"]] = (e["digest"], deltas)
    _account("compact_cache", time.thread_time() - t0)
    return compacted, saved


def verify_cache(cache):
    t0 = time.thread_time()
    errors = 0
    acc = 0
    for key in range(N_KEYS):
        digest, deltas = cache[key]
        last = 0
        for rep in range(70):
            last = 0
            for d in deltas:
                if d % 2:
                    last = last - (d - 1) // 2
                else:
                    last = last + d // 2
                acc = (acc + last) % 1000000007
        if digest < 0:
            errors += 1
    _account("verify_cache", time.thread_time() - t0)
    return errors, acc


class Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.raw = {}
        self.compacted = {}
        self.pending_batches = []
        self.filled = 0


def warmer(cache, keys):
    for key in keys:
        BACKEND_SLOTS.acquire()
        try:
            time.sleep(0.002)  # round trip to the backing store
        finally:
            BACKEND_SLOTS.release()
        entry = compute_entry(key)
        cache.lock.acquire()
        try:
            cache.raw[key] = entry
            cache.filled += 1
            batch_id = key // BATCH
            done = all((batch_id * BATCH + i) in cache.raw for i in range(BATCH))
            if done:
                cache.pending_batches.append(batch_id)
        finally:
            cache.lock.release()


def janitor(cache, stop):
    total_saved = 0
    while True:
        stopping = stop.wait(timeout=0.03)
        with cache.lock:
            todo = cache.pending_batches
            cache.pending_batches = []
        for batch_id in todo:
            with cache.lock:
                entries = [cache.raw[batch_id * BATCH + i] for i in range(BATCH)]
            compacted, saved = compact_cache(entries)
            total_saved += saved
            with cache.lock:
                cache.compacted.update(compacted)
        if stopping:
            break
    cache.saved = total_saved


def main():
    cache = Cache()
    stop = threading.Event()
    jan = threading.Thread(target=janitor, args=(cache, stop), name="janitor", daemon=True)
    jan.start()
    all_keys = list(range(N_KEYS))
    workers = []
    for w in range(N_WARMERS):
        t = threading.Thread(target=warmer, args=(cache, all_keys[w::N_WARMERS]), name="warmer-%d" % w)
        t.start()
        workers.append(t)
    for t in workers:
        t.join()
    stop.set()
    jan.join()
    errors, acc = verify_cache(cache.compacted)
    print("entries=%d compacted=%d saved=%d errors=%d acc=%d"
          % (cache.filled, len(cache.compacted), cache.saved, errors, acc))
    print("GROUND_TRUTH " + json.dumps(CPU_TOTALS))


if __name__ == "__main__":
    main()
