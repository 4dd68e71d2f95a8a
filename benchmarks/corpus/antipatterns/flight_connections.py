"""Flight connection finder.

Builds a synthetic airline network (regional airports feeding hubs, plus
random point-to-point routes) and answers "fewest legs from A to B" queries
with a breadth-first search, the way a small booking back-end would before
pricing the itineraries. Prints the distribution of leg counts and a
checksum of the itineraries found.
"""
import random
import zlib

N_AIRPORTS = 2400
HUBS = ["H%02d" % i for i in range(12)]
MAJOR_HUBS = ["H00", "H01", "H02", "H03"]
N_QUERIES = 64


def build_network(rng):
    codes = ["A%04d" % i for i in range(N_AIRPORTS)]
    routes = {c: [] for c in codes + HUBS}
    for c in codes:
        for h in rng.sample(HUBS, 2):
            routes[c].append(h)
            routes[h].append(c)
        for _ in range(2):
            d = rng.choice(codes)
            if d != c and d not in routes[c]:
                routes[c].append(d)
                routes[d].append(c)
    for h in HUBS:
        for g in HUBS:
            if g != h:
                routes[h].append(g)
    return codes, routes


def fewest_legs(routes, src, dst, banned_hub):
    visited = [src]
    parent = {src: None}
    frontier = [src]
    while frontier:
        nxt_frontier = []
        for here in frontier:
            for nxt in routes[here]:
                if nxt == banned_hub:
                    continue
                if nxt not in visited:
                    visited.append(nxt)
                    parent[nxt] = here
                    if nxt == dst:
                        path = [dst]
                        while parent[path[-1]] is not None:
                            path.append(parent[path[-1]])
                        return path[::-1], len(visited)
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    return None, len(visited)


def describe(path):
    hubs_used = 0
    for code in path:
        if code in MAJOR_HUBS:
            hubs_used += 1
    return "%d legs via %d major hubs" % (len(path) - 1, hubs_used)


def main():
    rng = random.Random(7)
    codes, routes = build_network(rng)
    histogram = {}
    checksum = 0
    explored = 0
    for q in range(N_QUERIES):
        src, dst = rng.sample(codes, 2)
        banned = HUBS[q % len(HUBS)]   # a hub closed for maintenance
        path, seen = fewest_legs(routes, src, dst, banned)
        explored += seen
        if path is None:
            key = "unreachable"
        else:
            key = describe(path)
            checksum = zlib.crc32("-".join(path).encode(), checksum)
        histogram[key] = histogram.get(key, 0) + 1
    for key in sorted(histogram):
        print("%-28s %d" % (key, histogram[key]))
    print("airports explored", explored)
    print("checksum %08x" % checksum)


if __name__ == "__main__":
    main()
