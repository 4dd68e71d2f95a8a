"""ProcessPoolExecutor with the spawn start method; the parent keeps
computing while futures run, then waits on them."""
import json
import multiprocessing as mp
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

_GT = {}


def _record(name, dt):
    _GT[name] = _GT.get(name, 0.0) + dt


def crunch_primes(lo, hi):
    t0 = time.thread_time()
    count = 0
    for n in range(lo, hi):
        if n < 2:
            continue
        d = 2
        is_p = True
        while d * d <= n:
            if n % d == 0:
                is_p = False
                break
            d += 1
        if is_p:
            count += 1
    return "crunch_primes", count, time.thread_time() - t0


def string_churn(n):
    t0 = time.thread_time()
    s = ""
    total = 0
    for i in range(n):
        s = s[-20:] + chr(97 + i % 26)
        total += ord(s[-1])
    return "string_churn", total, time.thread_time() - t0


def parent_matrix(size, reps):
    t0 = time.thread_time()
    m = [[(i * j) % 7 for j in range(size)] for i in range(size)]
    acc = 0
    for _ in range(reps):
        for i in range(size):
            row = m[i]
            for j in range(size):
                acc += row[j] * (i ^ j)
    _record("parent_matrix", time.thread_time() - t0)
    return acc


def main():
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=3, mp_context=ctx) as ex:
        futs = [ex.submit(crunch_primes, k * 70_000, (k + 1) * 70_000) for k in range(4)]
        futs += [ex.submit(string_churn, 1_500_000) for _ in range(2)]
        acc = parent_matrix(120, 650)
        results = {}
        for f in as_completed(futs):
            name, val, cpu = f.result()
            _record(name, cpu)
            results[name] = results.get(name, 0) + val
    print("results", results, acc)
    print("GROUND_TRUTH " + json.dumps(_GT))


if __name__ == "__main__":
    main()
