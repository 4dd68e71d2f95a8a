# Benchmark ground truth: decorated functions. A profiler must name `twice` and `once` by their first
# decorator line (co_firstlineno), and split the time between them and `plain` as measured here.
import functools
import json
import time


def deco(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


@deco
@deco
def twice(n):
    return sum([(i * i) % 7 for i in range(n)])  # GT twice


@deco
def once(n):
    return sum([(i * 3) % 5 for i in range(n)])  # GT once


def plain(n):
    return sum([(i + 1) % 3 for i in range(n)])  # GT plain


def main(scale=1.0):
    spent = {"twice": 0.0, "once": 0.0, "plain": 0.0}
    plan = [("twice", twice, 12), ("once", once, 6), ("plain", plain, 3)]
    n = max(1000, int(10_000 * scale))
    for _ in range(10):
        for name, fn, reps in plan:
            t = time.process_time()
            for _ in range(reps * 10):
                fn(n)
            spent[name] += time.process_time() - t
    total = sum(spent.values())
    print("GROUND_TRUTH " + json.dumps({k: round(v / total, 4) for k, v in spent.items()}))


if __name__ == "__main__":
    import sys
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
