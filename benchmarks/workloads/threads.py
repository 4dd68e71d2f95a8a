"""Threads: four worker threads of pure-Python work (sharing the GIL) while the main thread waits."""
import sys
import threading


def work(n, out, slot):
    s = 0
    for i in range(n):
        s = (s + i * i) % 1_000_003
    out[slot] = s


def main(scale):
    n = int(6_000_000 * scale)
    out = [0] * 4
    threads = [threading.Thread(target=work, args=(n, out, k), name=f"worker-{k}") for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
