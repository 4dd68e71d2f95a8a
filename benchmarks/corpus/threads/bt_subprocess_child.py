"""Parent runs child Python processes via subprocess.run (blocked waiting)
while a background thread in the parent also computes."""
import json
import subprocess
import sys
import threading
import time

_GT = {}
_GT_LOCK = threading.Lock()


def _record(name, dt):
    with _GT_LOCK:
        _GT[name] = _GT.get(name, 0.0) + dt


def child_compute(n):
    t0 = time.thread_time()
    d = {}
    for i in range(n):
        k = (i * 7919) % 5003
        d[k] = (d.get(k, 0) + i) & 0xFFFF
    return sum(d.values()), time.thread_time() - t0


def parent_warmup(n):
    t0 = time.thread_time()
    parts = []
    for i in range(n):
        parts.append(str(i % 10))
        if len(parts) > 64:
            parts = parts[32:]
    _record("parent_warmup", time.thread_time() - t0)
    return len(parts)


def parent_background(n):
    t0 = time.thread_time()
    acc = 0
    for i in range(n):
        acc = (acc + (i * i) ^ (i >> 3)) % 1000033
    _record("parent_background", time.thread_time() - t0)
    return acc


def run_child(n):
    proc = subprocess.run([sys.executable, __file__, "--child", str(n)],
                          capture_output=True, text=True, check=True)
    for line in proc.stdout.splitlines():
        if line.startswith("CHILD_CPU "):
            return json.loads(line[len("CHILD_CPU "):])
    raise RuntimeError("child gave no CPU line")


def child_main(n):
    val, cpu = child_compute(n)
    print("CHILD_CPU " + json.dumps({"child_compute": cpu, "value": val}))


def main():
    parent_warmup(4_500_000)
    bg = threading.Thread(target=parent_background, args=(9_000_000,))
    bg.start()
    for n in (3_400_000, 3_400_000):
        info = run_child(n)
        _record("child_compute", info["child_compute"])
    bg.join()
    print("GROUND_TRUTH " + json.dumps(_GT))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child_main(int(sys.argv[2]))
    else:
        main()
