"""Call-heavy pure Python: recursion and many tiny function/method calls (worst case for tracing profilers)."""
import sys


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x, self.y = x, y

    def add(self, other):
        return Vec(self.x + other.x, self.y + other.y)

    def norm1(self):
        return abs(self.x) + abs(self.y)


def small_calls(n):
    acc = Vec(0, 0)
    step = Vec(1, -1)
    total = 0
    for _ in range(n):
        acc = acc.add(step)
        total += acc.norm1()
    return total


def main(scale):
    for _ in range(max(1, int(30 * scale))):
        fib(23)
    small_calls(int(5_000_000 * scale))


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
