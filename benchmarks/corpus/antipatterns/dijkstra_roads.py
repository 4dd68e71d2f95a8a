"""Shortest driving times on a random road network (Dijkstra), from a few depots
to every town; the frontier is kept as a sorted list."""
import random

random.seed(21)
N_TOWNS = 4000


def make_roads():
    roads = {t: [] for t in range(N_TOWNS)}
    for t in range(N_TOWNS):
        for _ in range(3):
            u = random.randrange(N_TOWNS)
            if u != t:
                w = random.randint(5, 120)
                roads[t].append((u, w))
                roads[u].append((t, w))
    return roads


def dijkstra(roads, src):
    dist = {src: 0}
    frontier = [(0, src)]
    done = set()
    while frontier:
        frontier.sort()
        d, town = frontier.pop(0)
        if town in done:
            continue
        done.add(town)
        for nxt, w in roads[town]:
            nd = d + w
            if nd < dist.get(nxt, float("inf")):
                dist[nxt] = nd
                frontier.append((nd, nxt))
    return dist


def main():
    roads = make_roads()
    depots = [0, 17, 404]
    far = []
    for src in depots:
        dist = dijkstra(roads, src)
        far.append((max(dist.values()), len(dist), sum(dist.values())))
    print("depots", depots, far)


main()
