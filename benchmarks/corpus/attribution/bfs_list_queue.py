"""Breadth-first search over a random social graph (friends-of-friends
distances), using a plain list as the FIFO queue."""
import random


def build_graph(n, degree, rng):
    adj = [[] for _ in range(n)]
    for u in range(n):
        for _ in range(degree):
            v = rng.randrange(n)
            adj[u].append(v)
            adj[v].append(u)
    return adj


def bfs(adj, start):
    dist = [-1] * len(adj)
    dist[start] = 0
    queue = [start]
    while queue:
        u = queue.pop(0)
        d = dist[u] + 1
        for v in adj[u]:
            if dist[v] < 0:
                dist[v] = d
                queue.append(v)
    return dist


def summarize(dist):
    hist = {}
    for d in dist:
        hist[d] = hist.get(d, 0) + 1
    return hist


def main():
    rng = random.Random(7)
    adj = build_graph(190000, 2, rng)
    dist = bfs(adj, 0)
    hist = summarize(dist)
    print("levels", sorted(hist.items())[:8])


if __name__ == "__main__":
    main()
