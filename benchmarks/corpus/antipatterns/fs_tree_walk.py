"""Disk-usage report over a snapshot tree in which directories are shared
between snapshots (hard-linked, like rsnapshot or Time Machine backups)."""
import random

random.seed(17)

TREE = {}


def build(levels=20, width=3):
    for lv in range(levels):
        for k in range(width):
            name = f"d{lv}_{k}"
            if lv == 0:
                TREE[name] = (random.randint(1, 10**6), [])
            else:
                kids = random.sample([f"d{lv - 1}_{j}" for j in range(width)], 2)
                TREE[name] = (random.randint(1, 10**6), kids)
    TREE["root"] = (0, [f"d{levels - 1}_{k}" for k in range(width)])


def tree_size(name):
    size, kids = TREE[name]
    return size + sum(tree_size(k) for k in kids)


inodes_visited = 0


def count_entries(name):
    global inodes_visited
    inodes_visited += 1
    size, kids = TREE[name]
    return 1 + sum(count_entries(k) for k in kids)


def main():
    build()
    total = tree_size("root")
    per_top = [tree_size(k) for k in TREE["root"][1]]
    small = [f"d4_{k}" for k in range(3)]
    entries = sum(count_entries(n) for n in small)
    print("total", total, "top", per_top, "entries", entries, "inodes", inodes_visited)


main()
