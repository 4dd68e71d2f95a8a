"""Allocation-heavy: many small objects (dicts, tuples, strings) built and dropped, plus a few large buffers."""
import sys


def small_objects(n):
    kept = []
    for i in range(n):
        d = {"id": i, "name": "item%d" % i, "tags": (i % 3, i % 5)}
        if i % 10 == 0:
            kept.append(d)
        if len(kept) > 20_000:
            kept = kept[10_000:]
    return len(kept)


def big_buffers(n):
    total = 0
    for i in range(n):
        buf = bytearray(8 << 20)  # 8 MB, freed at once
        buf[i % len(buf)] = 1
        total += len(buf)
    return total


def main(scale):
    small_objects(int(3_500_000 * scale))
    big_buffers(int(400 * scale) + 1)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
