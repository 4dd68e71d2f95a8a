"""Shortest paths in a random grid maze (breadth-first search) for a batch of
start/goal queries, as a path-finding benchmark would do."""
import random
from collections import deque

random.seed(5)
W, H = 64, 64


def make_grid():
    grid = [[1 if random.random() < 0.28 else 0 for _ in range(W)] for _ in range(H)]
    grid[0][0] = 0
    return grid


def neighbours(grid, cell):
    x, y = cell
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        nx, ny = x + dx, y + dy
        if 0 <= nx < W and 0 <= ny < H and not grid[ny][nx]:
            yield nx, ny


def bfs(grid, start, goal):
    queue = deque([start])
    visited = [start]
    parent = {start: None}
    while queue:
        cell = queue.popleft()
        if cell == goal:
            break
        for nxt in neighbours(grid, cell):
            if nxt not in visited:
                visited.append(nxt)
                parent[nxt] = cell
                queue.append(nxt)
    if goal not in parent:
        return None
    path = []
    cell = goal
    while cell is not None:
        path.insert(0, cell)
        cell = parent[cell]
    return path


def main():
    grid = make_grid()
    open_cells = [(x, y) for y in range(H) for x in range(W) if not grid[y][x]]
    lengths = []
    for q in range(8):
        start = random.choice(open_cells)
        goal = random.choice(open_cells)
        path = bfs(grid, start, goal)
        lengths.append(len(path) if path else -1)
    print("open", len(open_cells), "path lengths", lengths)


main()
