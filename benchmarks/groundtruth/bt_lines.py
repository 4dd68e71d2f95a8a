# Benchmark ground truth: three single-line hot spots (pure Python, native builtin, string allocation), each
# the whole body of its own function, so line share = function share. The program measures the process CPU
# spent in each (time.process_time around every call) and prints it last: GROUND_TRUTH {"pure": ...}.
import json
import time


def pure(n):
    s = 0
    for i in range(n): s = (s + i * i) % 1000003  # GT pure
    return s


def native(data, n):
    return [sum(data) for _ in range(n)]  # GT native


def strings(n):
    u = ""
    for i in range(n): u = (u + str(i))[-50:]  # GT strings
    return u


def main(scale=1.0):
    data = list(range(2000))
    # fixed work (about 1.0 / 0.6 / 0.3 s of CPU here), so unprofiled runs measure the same program
    plan = [("pure", lambda k: pure(k), 20_000_000), ("native", lambda k: native(data, k), 64_000),
            ("strings", lambda k: strings(k), 1_800_000)]
    spent = {name: 0.0 for name, _, _ in plan}
    for _ in range(3):
        for name, fn, n in plan:
            t = time.process_time(); fn(max(1, int(n * scale / 3))); spent[name] += time.process_time() - t
    total = sum(spent.values())
    print("GROUND_TRUTH " + json.dumps({k: round(v / total, 4) for k, v in spent.items()}))


if __name__ == "__main__":
    import sys
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
