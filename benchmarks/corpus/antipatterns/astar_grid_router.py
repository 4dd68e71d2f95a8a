"""Warehouse robot router: A* on a grid floor plan with shelving blocks.

A fleet controller plans one route per pick order from the robot dock to the
shelf and back. The open set is a plain list, re-sorted by f-score before
each expansion, as in many textbook and tutorial A* implementations.
Prints route lengths and the number of nodes expanded.
"""
import random

W, H = 120, 120
DIRS = [(1, 0), (-1, 0), (0, 1), (0, -1)]
N_ORDERS = 48
ROBOTS = ["rb-%02d" % i for i in (7, 3, 11, 5, 2, 9)]


def make_floor(rng):
    blocked = set()
    for bx in range(4, W - 4, 6):
        for by in range(3, H - 3, 9):
            for x in range(bx, bx + 3):
                for y in range(by, by + 7):
                    if rng.random() < 0.97:
                        blocked.add((x, y))
    for _ in range(W * H // 25):
        blocked.add((rng.randrange(W), rng.randrange(H)))
    return blocked


def heuristic(a, b):
    return abs(a[0] - b[0]) + abs(a[1] - b[1])


def astar(blocked, start, goal):
    open_list = [(heuristic(start, goal), 0, start)]
    best_g = {start: 0}
    expanded = 0
    while open_list:
        open_list.sort(key=lambda entry: entry[0])
        f, g, node = open_list.pop(0)
        if g > best_g.get(node, 1 << 30):
            continue
        expanded += 1
        if node == goal:
            return g, expanded
        for dx, dy in DIRS:
            nxt = (node[0] + dx, node[1] + dy)
            if not (0 <= nxt[0] < W and 0 <= nxt[1] < H) or nxt in blocked:
                continue
            ng = g + 1
            if ng < best_g.get(nxt, 1 << 30):
                best_g[nxt] = ng
                open_list.append((ng + heuristic(nxt, goal) // 3, ng, nxt))
    return None, expanded


def free_cell(rng, blocked):
    while True:
        c = (rng.randrange(W), rng.randrange(H))
        if c not in blocked:
            return c


def main():
    rng = random.Random(42)
    blocked = make_floor(rng)
    dock = free_cell(rng, blocked)
    total_len = 0
    total_expanded = 0
    unreachable = 0
    assigned = {}
    for order in range(N_ORDERS):
        shelf = free_cell(rng, blocked)
        robot = sorted(ROBOTS)[order % len(ROBOTS)]
        assigned[robot] = assigned.get(robot, 0) + 1
        for a, b in ((dock, shelf), (shelf, dock)):
            length, expanded = astar(blocked, a, b)
            total_expanded += expanded
            if length is None:
                unreachable += 1
            else:
                total_len += length
    print("orders", N_ORDERS, "unreachable legs", unreachable)
    print("total route length", total_len)
    print("nodes expanded", total_expanded)
    print("orders per robot", sorted(assigned.items()))


if __name__ == "__main__":
    main()
