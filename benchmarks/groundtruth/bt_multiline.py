# Benchmark ground truth: a statement spanning several lines (GT start .. GT end) against a one-line one.
# Line data inside the span is summed to the statement for every tool alike.
import json
import time


def multi(n):
    return sum(  # GT multi start
        i * i
        for i in range(n)
        if i % 3
    )  # GT multi end


def single(n):
    return sum([i * 2 for i in range(n) if i % 5])  # GT single


def main(scale=1.0):
    spent = {"multi": 0.0, "single": 0.0}
    n = max(1000, int(40_000 * scale))
    for _ in range(12):
        for name, fn, reps in (("multi", multi, 4), ("single", single, 4)):
            t = time.process_time()
            for _ in range(reps * 5):
                fn(n)
            spent[name] += time.process_time() - t
    total = sum(spent.values())
    print("GROUND_TRUTH " + json.dumps({k: round(v / total, 4) for k, v in spent.items()}))


if __name__ == "__main__":
    import sys
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
