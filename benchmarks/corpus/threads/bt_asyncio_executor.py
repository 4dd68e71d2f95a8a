"""asyncio event loop mostly idle in select while a thread-pool executor does
CPU work; coroutines sleep and do small bursts; a heartbeat thread sleeps."""
import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

_GT = {}
_GT_LOCK = threading.Lock()


def _record(name, dt):
    with _GT_LOCK:
        _GT[name] = _GT.get(name, 0.0) + dt


def blocking_digest(seed, n):
    t0 = time.thread_time()
    h = seed
    for i in range(n):
        h = (h * 16777619) ^ (i & 0xFF)
        h &= 0xFFFFFFFF
    _record("blocking_digest", time.thread_time() - t0)
    return h


def loop_side_work(k):
    t0 = time.thread_time()
    lst = []
    for i in range(100_000):
        lst.append((i * k) % 113)
    s = 0
    for v in lst:
        s += v
    _record("loop_side_work", time.thread_time() - t0)
    return s


def heartbeat(stop):
    while not stop.is_set():
        time.sleep(0.05)


async def ticker(k, rounds):
    total = 0
    for r in range(rounds):
        await asyncio.sleep(0.03)
        total += loop_side_work(k + r)
    return total


async def amain(ex):
    loop = asyncio.get_running_loop()
    jobs = [loop.run_in_executor(ex, blocking_digest, s, 4_500_000) for s in range(3)]
    tickers = [ticker(k, 20) for k in range(3)]
    res = await asyncio.gather(*jobs, *tickers)
    return res


def main():
    stop = threading.Event()
    hb = threading.Thread(target=heartbeat, args=(stop,), daemon=True)
    hb.start()
    with ThreadPoolExecutor(max_workers=6) as ex:
        res = asyncio.run(amain(ex))
    stop.set()
    hb.join()
    print("res", res)
    print("GROUND_TRUTH " + json.dumps(_GT))


if __name__ == "__main__":
    main()
