"""Nested loops of pure-Python arithmetic in one frame (few calls: the best case for tracers)."""
import sys


def grid(n):
    total = 0
    for i in range(n):
        for j in range(n):
            for k in range(8):
                total += (i * j + k) % 7
    return total


def main(scale):
    n = int(1930 * scale ** 0.5)
    grid(max(n, 10))


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
