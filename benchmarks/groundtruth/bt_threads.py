# Benchmark ground truth: a worker thread and the main thread each run one hot line; each thread measures its
# own CPU (time.thread_time) and the shares of the process's work are printed last: GROUND_TRUTH {...}.
import json
import threading
import time

spent = {}


def worker_job(n):
    t, x = time.thread_time(), 0
    for i in range(n): x = (x + i) % 7  # GT worker_job
    spent["worker_job"] = time.thread_time() - t


def main_job(n):
    t, y = time.thread_time(), 0
    for i in range(n): y = (y * 3 + i) % 11  # GT main_job
    spent["main_job"] = time.thread_time() - t


def main(scale=1.0):
    worker = threading.Thread(target=worker_job, args=(int(12_000_000 * scale),), name="worker")
    worker.start()
    main_job(int(6_000_000 * scale))
    while worker.is_alive():  # poll, not a blocking join: lets in-process samplers' signals through
        worker.join(0.01)
    total = sum(spent.values())
    print("GROUND_TRUTH " + json.dumps({k: round(v / total, 4) for k, v in spent.items()}))


if __name__ == "__main__":
    import sys
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
