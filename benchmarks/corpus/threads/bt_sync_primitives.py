"""Threads coordinating through Barrier, Condition, Event and Lock; most of
them spend much of their life blocked waiting for a slow peer or for main."""
import json
import threading
import time

_GT = {}
_GT_LOCK = threading.Lock()


def _record(name, dt):
    with _GT_LOCK:
        _GT[name] = _GT.get(name, 0.0) + dt


def phase_work(tid, phase, n):
    t0 = time.thread_time()
    acc = 0
    for i in range(n):
        acc = (acc + i * (tid + 3) + phase) % 65521
    _record("phase_work", time.thread_time() - t0)
    return acc


def prepare_table(n):
    t0 = time.thread_time()
    table = {}
    for i in range(n):
        table[i % 4099] = table.get(i % 4099, 0) ^ (i * 40503 & 0xFFFF)
    _record("prepare_table", time.thread_time() - t0)
    return table


def final_reduce(values, reps):
    t0 = time.thread_time()
    best = 0
    for r in range(reps):
        for v in values:
            x = (v * 31 + r) & 0xFFFF
            if x > best:
                best = x
    _record("final_reduce", time.thread_time() - t0)
    return best


class Shared:
    def __init__(self):
        self.lock = threading.Lock()
        self.cond = threading.Condition()
        self.table = None
        self.done_evt = threading.Event()
        self.totals = []


def barrier_worker(tid, barrier, shared, phases):
    for ph in range(phases):
        # Thread 0 does much more work; the others wait at the barrier.
        n = 1_200_000 if tid == 0 else 120_000
        r = phase_work(tid, ph, n)
        with shared.lock:
            shared.totals.append(r)
        barrier.wait()


def condition_waiter(shared, out):
    with shared.cond:
        while shared.table is None:
            shared.cond.wait()
        table = shared.table
    out.append(final_reduce(list(table.values()), 700))


def event_waiter(shared, out):
    shared.done_evt.wait()
    with shared.lock:
        vals = list(shared.totals)
    out.append(final_reduce(vals * 200, 480))


def main():
    shared = Shared()
    n_threads = 4
    phases = 6
    barrier = threading.Barrier(n_threads)
    out = []
    workers = [threading.Thread(target=barrier_worker, args=(i, barrier, shared, phases))
               for i in range(n_threads)]
    cw = threading.Thread(target=condition_waiter, args=(shared, out))
    ew = threading.Thread(target=event_waiter, args=(shared, out))
    for t in workers + [cw, ew]:
        t.start()
    table = prepare_table(4_500_000)
    with shared.cond:
        shared.table = table
        shared.cond.notify_all()
    for t in workers:
        t.join()
    shared.done_evt.set()
    cw.join()
    ew.join()
    print("out", out)
    print("GROUND_TRUTH " + json.dumps(_GT))


if __name__ == "__main__":
    main()
