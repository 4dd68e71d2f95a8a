"""Producer/consumer pipeline: one CPU-heavy producer, several mostly idle
consumers blocked on queue.Queue.get, then a final ranking pass in main."""
import json
import queue
import threading
import time

_GT = {}
_GT_LOCK = threading.Lock()


def _record(name, dt):
    with _GT_LOCK:
        _GT[name] = _GT.get(name, 0.0) + dt


def generate_record(i):
    t0 = time.thread_time()
    fields = {}
    for j in range(20000):
        key = (i * 31 + j * 17) % 257
        fields[key] = fields.get(key, 0) + j * i % 13
    _record("generate_record", time.thread_time() - t0)
    return fields


def checksum_record(rec):
    t0 = time.thread_time()
    h = 0
    for _ in range(36):
        for k, v in rec.items():
            h = (h * 131 + k * 7 + v) & 0xFFFFFFFF
    _record("checksum_record", time.thread_time() - t0)
    return h


def rank_items(values):
    t0 = time.thread_time()
    counts = {}
    for rep in range(12000):
        for v in values:
            b = (v + rep) % 97
            counts[b] = counts.get(b, 0) + 1
    _record("rank_items", time.thread_time() - t0)
    return max(counts.values())


def producer(q, n, n_consumers):
    for i in range(n):
        q.put(generate_record(i))
    for _ in range(n_consumers):
        q.put(None)


def consumer(q, out, lock):
    while True:
        item = q.get()
        if item is None:
            return
        h = checksum_record(item)
        with lock:
            out.append(h)


def main():
    q = queue.Queue(maxsize=8)
    out = []
    lock = threading.Lock()
    n_cons = 4
    cons = [threading.Thread(target=consumer, args=(q, out, lock)) for _ in range(n_cons)]
    for t in cons:
        t.start()
    prod = threading.Thread(target=producer, args=(q, 300, n_cons))
    prod.start()
    prod.join()
    for t in cons:
        t.join()
    out.sort()
    print("items", len(out), "rank", rank_items(out))
    print("GROUND_TRUTH " + json.dumps(_GT))


if __name__ == "__main__":
    main()
