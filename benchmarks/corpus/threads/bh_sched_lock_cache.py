#!/usr/bin/env python3
"""In-process job scheduler with a shared, lock-protected result cache.

* A dispatcher thread runs a sched.scheduler that releases jobs onto a
  Condition-guarded job board at fixed offsets.
* Worker threads sleep on the Condition until a job shows up.
* Periodic threading.Timer callbacks rebuild the cache index while holding
  the cache lock; workers finishing a job must take the same lock to merge
  their result, so they pile up on Lock.acquire during a rebuild.
"""
import collections
import json
import sched
import threading
import time

N_WORKERS = 4
N_JOBS = 36
JOB_SPACING = 0.03
REBUILD_AT = (0.15, 0.45, 0.75, 1.05)

_acct_lock = threading.Lock()
thread_cpu = {}


def _acct(fn_name, t_start):
    d = time.thread_time() - t_start
    with _acct_lock:
        thread_cpu[fn_name] = thread_cpu.get(fn_name, 0.0) + d


class JobBoard:
    def __init__(self):
        self.cond = threading.Condition()
        self.jobs = collections.deque()
        self.closed = False
        self.completed = 0

    def submit(self, job):
        with self.cond:
            self.jobs.append(job)
            self.cond.notify()

    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def take(self):
        with self.cond:
            while not self.jobs and not self.closed:
                self.cond.wait()
            if self.jobs:
                return self.jobs.popleft()
            return None


cache_lock = threading.Lock()
cache = {"entries": {}, "index": {}, "generation": 0}


def crunch_numbers(seed, rounds):
    t0 = time.thread_time()
    x = seed
    acc = 0
    primes = 0
    for i in range(rounds):
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        v = x >> 40
        if v % 2 and v % 3 and v % 5 and v % 7:
            primes += 1
        acc = (acc + v * i) % 1000000007
    _acct("crunch_numbers", t0)
    return acc ^ primes


def build_report(seed, rows):
    t0 = time.thread_time()
    out = []
    total = 0
    for r in range(rows):
        qty = (seed * 31 + r * 17) % 97
        price = ((seed + r) * 7919 % 10000) / 100.0
        total += qty * price
        line = "| %6d | %-12s | %4d | %9.2f | %11.2f |" % (
            r, "sku-" + str((seed + r) % 4096), qty, price, qty * price)
        out.append(line.replace(" ", ".") if r % 5 == 0 else line)
    text = "\n".join(out)
    checksum = 0
    for ch in text[::3]:
        checksum = (checksum + ord(ch)) & 0xFFFF
    _acct("build_report", t0)
    return checksum + int(total) % 1000


def rebuild_index():
    # Called from a Timer thread; holds cache_lock for the whole rebuild.
    with cache_lock:
        t0 = time.thread_time()
        index = {}
        entries = cache["entries"]
        for key in range(N_JOBS):            # fixed key space, missing -> 0
            value = entries.get(key, 0)
            for k in range(400):
                bucket = (value * 2654435761 + k * key) % 509
                index.setdefault(bucket, []).append(key)
        for bucket in list(index):
            index[bucket] = sorted(set(index[bucket]))
        filler = 0
        for i in range(1000000):
            filler = (filler * 33 + i) & 0xFFFFFF
        cache["index"] = index
        cache["generation"] += 1
        _acct("rebuild_index", t0)
    return filler


def merge_into_cache(job_id, value):
    # Caller holds cache_lock.
    t0 = time.thread_time()
    entries = cache["entries"]
    entries[job_id] = value
    mixed = value
    for i in range(40000):
        mixed = (mixed ^ (i * 40503)) * 33 % 4294967291
    entries[-job_id - 1] = mixed
    _acct("merge_into_cache", t0)


def worker(board):
    while True:
        job = board.take()
        if job is None:
            return
        job_id, kind, seed = job
        if kind == "crunch":
            value = crunch_numbers(seed, 140000)
        else:
            value = build_report(seed, 12000)
        with cache_lock:             # blocks while a rebuild is running
            merge_into_cache(job_id, value)
        with board.cond:
            board.completed += 1


def dispatcher(board):
    s = sched.scheduler(time.monotonic, time.sleep)
    for j in range(N_JOBS):
        kind = "crunch" if j % 3 != 1 else "report"
        s.enter(j * JOB_SPACING, 1, board.submit, ((j, kind, 1000 + j * 17),))
    s.run()
    # no more jobs: wait until the board drains, then wake everybody up
    while True:
        with board.cond:
            if not board.jobs:
                break
        time.sleep(0.01)
    board.close()


def main():
    board = JobBoard()
    workers = [threading.Thread(target=worker, args=(board,), name="worker-%d" % i)
               for i in range(N_WORKERS)]
    for w in workers:
        w.start()
    timers = [threading.Timer(delay, rebuild_index) for delay in REBUILD_AT]
    for t in timers:
        t.start()
    disp = threading.Thread(target=dispatcher, args=(board,), name="dispatcher")
    disp.start()

    disp.join()
    for w in workers:
        w.join()
    for t in timers:
        t.join()
    print("jobs done=%d cache entries=%d generation=%d" % (
        board.completed, len(cache["entries"]), cache["generation"]))
    print("GROUND_TRUTH " + json.dumps(thread_cpu))


if __name__ == "__main__":
    main()
