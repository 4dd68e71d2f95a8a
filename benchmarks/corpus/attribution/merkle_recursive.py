"""Recursive Merkle-tree hashing of a file split into chunks, plus a
recursive flatten of the nested directory listing."""
import hashlib
import random


def merkle(chunks, lo, hi):
    if hi - lo == 1:
        return hashlib.sha256(chunks[lo]).digest()
    mid = (lo + hi) // 2
    left = merkle(chunks, lo, mid)
    right = merkle(chunks, mid, hi)
    return hashlib.sha256(left + right).digest()


def flatten(tree):
    out = []
    for item in tree:
        if isinstance(item, list):
            out = out + flatten(item)
            depth = 1
        else:
            out.append(item)
    return out


def make_tree(depth, width, counter):
    if depth == 0:
        counter[0] += 1
        return ["file%06d" % counter[0]] * 40
    return [make_tree(depth - 1, width, counter) for _ in range(width)]


def main():
    rng = random.Random(5)
    block = bytes(rng.randrange(256) for _ in range(4096))
    chunks = [block * 24 for _ in range(256)]
    roots = []
    for rnd in range(110):
        chunks[rnd % 256] = block[::-1] * 24
        roots.append(merkle(chunks, 0, len(chunks)).hex()[:12])
    tree = make_tree(6, 5, [0])
    files = flatten(tree)
    print("roots", roots[-1], "files", len(files))


if __name__ == "__main__":
    main()
