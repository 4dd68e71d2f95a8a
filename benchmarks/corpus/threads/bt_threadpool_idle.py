"""ThreadPoolExecutor with many more workers than CPU tasks; idle workers block
on the work queue while the main thread also computes."""
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

_GT = {}
_GT_LOCK = threading.Lock()


def _record(name, dt):
    with _GT_LOCK:
        _GT[name] = _GT.get(name, 0.0) + dt


def _warmup(evt):
    # Forces the executor to create many worker threads; they then sit idle.
    evt.wait()
    return 0


def build_strings(n):
    t0 = time.thread_time()
    total = 0
    keep = []
    for i in range(n):
        s = "k" + str(i % 977) + ":" + str((i * 7) % 131)
        total += len(s)
        if i % 5000 == 0:
            keep.append(s)
    _record("build_strings", time.thread_time() - t0)
    return total + len(keep)


def collatz_steps(lo, hi):
    t0 = time.thread_time()
    best = 0
    for start in range(lo, hi):
        x = start
        steps = 0
        while x != 1:
            if x & 1:
                x = 3 * x + 1
            else:
                x >>= 1
            steps += 1
        if steps > best:
            best = steps
    _record("collatz_steps", time.thread_time() - t0)
    return best


def sum_squares(n):
    t0 = time.thread_time()
    acc = 0
    for i in range(n):
        acc += (i * i) % 1009
    _record("sum_squares", time.thread_time() - t0)
    return acc


def main():
    evt = threading.Event()
    with ThreadPoolExecutor(max_workers=12) as ex:
        warm = [ex.submit(_warmup, evt) for _ in range(12)]
        time.sleep(0.05)
        evt.set()
        for f in warm:
            f.result()
        futs = [
            ex.submit(build_strings, 2_400_000),
            ex.submit(collatz_steps, 1, 100_000),
        ]
        r_main = sum_squares(8_500_000)
        results = [f.result() for f in futs]
        # Workers are all idle now, blocked on the queue, while main computes.
        r_main += sum_squares(5_000_000)
    print("results", results, r_main)
    print("GROUND_TRUTH " + json.dumps(_GT))


if __name__ == "__main__":
    main()
