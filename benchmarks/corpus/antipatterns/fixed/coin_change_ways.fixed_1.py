"""Count the ways to pay amounts with a coin set and the fewest coins needed
(classic recursive textbook solutions, as found in tutorials)."""
import functools
import sys

sys.setrecursionlimit(10000)
COINS = (1, 2, 5, 10, 20, 50)


@functools.lru_cache(maxsize=None)
def ways(amount, idx):
    if amount == 0:
        return 1
    if amount < 0 or idx == len(COINS):
        return 0
    return ways(amount - COINS[idx], idx) + ways(amount, idx + 1)


def fewest(amount):
    if amount == 0:
        return 0
    best = None
    for c in (1, 3, 4, 7):
        if c <= amount:
            r = fewest(amount - c)
            if best is None or r + 1 < best:
                best = r + 1
    return best


def depth(tree):
    if not isinstance(tree, list):
        return 0
    return 1 + max((depth(t) for t in tree), default=0)


def main():
    total = 0
    for amount in range(100, 141, 4):
        total += ways(amount, 0)
    print("ways", total)
    print("fewest", [fewest(a) for a in (20, 24, 27, 29)])
    print("depth", depth([1, [2, [3, [4]], 5], [6]]))


main()
