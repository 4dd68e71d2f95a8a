"""Pure-Python matrix multiply used by a tiny linear-regression helper."""
import random
from operator import mul


def dot(row, col):
    return sum(map(mul, row, col))


def transpose(m):
    return [list(c) for c in zip(*m)]


def matmul(a, b):
    cols = transpose(b)
    out = []
    for row in a:
        out.append([dot(row, c) for c in cols])
    return out


def random_matrix(n, m, rng):
    return [[rng.uniform(-1, 1) for _ in range(m)] for _ in range(n)]


def main():
    rng = random.Random(3)
    x = random_matrix(160, 160, rng)
    acc = x
    for _ in range(18):
        acc = matmul(acc, x)
        scale = max(abs(v) for r in acc for v in r)
        acc = [[v / scale for v in r] for r in acc]
    print("trace", round(sum(acc[i][i] for i in range(len(acc))), 6))


if __name__ == "__main__":
    main()
