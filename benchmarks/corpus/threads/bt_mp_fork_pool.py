"""multiprocessing.Pool with the fork start method: parent does CPU work
before and after, and blocks in map() while workers compute."""
import json
import multiprocessing as mp
import time

_GT = {}


def _record(name, dt):
    _GT[name] = _GT.get(name, 0.0) + dt


def parent_prep(n):
    t0 = time.thread_time()
    chunks = []
    cur = []
    for i in range(n):
        cur.append((i * 2246822519) & 0xFFFF)
        if len(cur) == 1000:
            chunks.append(sum(cur) % 10007)
            cur = []
    _record("parent_prep", time.thread_time() - t0)
    return chunks


def worker_task(seed):
    t0 = time.thread_time()
    acc = seed
    for i in range(380_000):
        acc = (acc * 1103515245 + 12345 + i) & 0x7FFFFFFF
    return acc, time.thread_time() - t0


def parent_post(values, reps):
    t0 = time.thread_time()
    hist = {}
    for r in range(reps):
        for v in values:
            k = (v >> (r % 16)) % 101
            hist[k] = hist.get(k, 0) + 1
    _record("parent_post", time.thread_time() - t0)
    return len(hist)


def main():
    seeds = parent_prep(4_500_000)
    ctx = mp.get_context("fork")
    with ctx.Pool(processes=4) as pool:
        res = pool.map(worker_task, seeds[:32], chunksize=1)
    vals = []
    for v, cpu in res:
        vals.append(v)
        _record("worker_task", cpu)
    print("post", parent_post(vals, 85_000))
    print("GROUND_TRUTH " + json.dumps(_GT))


if __name__ == "__main__":
    main()
