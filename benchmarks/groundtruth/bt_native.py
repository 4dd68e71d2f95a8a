# Benchmark ground truth: native time. `matmul`'s line spends its time in numpy's C/BLAS code (native), the
# `pyloop` line in Python bytecode. BLAS is kept to one thread so that process CPU is the truth.
import json
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
import numpy as np  # noqa: E402


def matmul(a, n):
    return [a @ a for _ in range(n)][-1]  # GT matmul


def pyloop(n):
    s = 0
    for i in range(n): s = (s * 31 + i) % 1000003  # GT pyloop
    return s


def main(scale=1.0):
    a = np.random.default_rng(0).random((200, 200))
    spent = {"matmul": 0.0, "pyloop": 0.0}
    k, m = max(1, int(150 * scale)), max(1000, int(700_000 * scale))
    for _ in range(6):
        t = time.process_time(); matmul(a, k); spent["matmul"] += time.process_time() - t
        t = time.process_time(); pyloop(m); spent["pyloop"] += time.process_time() - t
    total = sum(spent.values())
    print("GROUND_TRUTH " + json.dumps({k: round(v / total, 4) for k, v in spent.items()}))


if __name__ == "__main__":
    import sys
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
