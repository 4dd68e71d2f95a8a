#!/usr/bin/env python3
"""Batch simulation farm using multiprocessing (fork start method).

The parent plans work batches (CPU) and pushes tasks into a shared task
queue; three forked worker processes block on the queue, run either an orbit
integration or a record-hashing task, and send results back. Each worker
reports how much CPU each of its task functions used before it exits.
"""
import json
import multiprocessing as mp
import time

N_WORKERS = 3
N_BATCHES = 12
TASKS_PER_BATCH = 4

worker_cpu = {}


def _note(name, t0):
    worker_cpu[name] = worker_cpu.get(name, 0.0) + (time.thread_time() - t0)


def simulate_orbit(mass, steps):
    t0 = time.thread_time()
    x, y = 1.0, 0.0
    vx, vy = 0.0, 1.0 + mass * 1e-3
    dt = 0.001
    energy = 0.0
    for _ in range(steps):
        r2 = x * x + y * y
        r3 = r2 * (r2 ** 0.5)
        ax = -x / r3
        ay = -y / r3
        vx += ax * dt
        vy += ay * dt
        x += vx * dt
        y += vy * dt
        energy += 0.5 * (vx * vx + vy * vy) - 1.0 / (r2 ** 0.5)
    _note("simulate_orbit", t0)
    return round(energy / steps, 6)


def hash_records(seed, count):
    t0 = time.thread_time()
    table = {}
    h = seed
    for i in range(count):
        h = (h ^ (i << 3)) * 16777619 & 0xFFFFFFFF
        key = "rec" + str(h % 20011)
        prev = table.get(key)
        if prev is None:
            table[key] = [h]
        elif len(prev) < 4:
            prev.append(h)
        else:
            prev[i % 4] ^= h
    folded = 0
    for k, vals in table.items():
        for v in vals:
            folded = (folded + v) % 1000003
    _note("hash_records", t0)
    return folded


def plan_batch(batch_no):
    # Parent-side planning: pick task parameters via a small search.
    t0 = time.thread_time()
    candidates = []
    for c in range(6000):
        score = 0
        v = batch_no * 7919 + c
        for _ in range(48):
            v = (v * 1103515245 + 12345) & 0x7FFFFFFF
            score += v % 101
        candidates.append((score, c))
    candidates.sort()
    tasks = []
    for k in range(TASKS_PER_BATCH):
        score, c = candidates[k * 97]
        if (batch_no + k) % 2 == 0:
            tasks.append(("orbit", (batch_no * 10 + k) % 50, 75000))
        else:
            tasks.append(("hash", score * 1000 + c, 36000))
    worker_cpu["plan_batch"] = worker_cpu.get("plan_batch", 0.0) + (time.thread_time() - t0)
    return tasks


def worker_main(wid, task_q, result_q):
    worker_cpu.clear()
    done = 0
    while True:
        task = task_q.get()
        if task is None:
            break
        kind, a, b = task
        if kind == "orbit":
            res = simulate_orbit(a, b)
        else:
            res = hash_records(a, b)
        result_q.put(("result", wid, kind, res))
        done += 1
    result_q.put(("cpu", wid, dict(worker_cpu), done))


def main():
    ctx = mp.get_context("fork")
    task_q = ctx.Queue()
    result_q = ctx.Queue()
    procs = [ctx.Process(target=worker_main, args=(i, task_q, result_q), name="sim-%d" % i)
             for i in range(N_WORKERS)]
    for p in procs:
        p.start()

    for b in range(N_BATCHES):
        for task in plan_batch(b):
            task_q.put(task)
    for _ in procs:
        task_q.put(None)

    totals = dict(worker_cpu)      # parent's own share (plan_batch)
    results = []
    reported = 0
    while reported < N_WORKERS:
        msg = result_q.get()
        if msg[0] == "result":
            results.append(msg[3])
        else:
            reported += 1
            for name, secs in msg[2].items():
                totals[name] = totals.get(name, 0.0) + secs
    for p in procs:
        p.join()

    print("tasks=%d checksum=%.4f" % (len(results), sum(float(r) for r in results) % 9973))
    print("GROUND_TRUTH " + json.dumps(totals))


if __name__ == "__main__":
    main()
