"""Count routes through a layered build pipeline graph (a DAG): number of
distinct paths from each source to the sink, and a listing of short routes."""
import random

random.seed(29)
LAYERS, WIDTH = 13, 4


def make_dag():
    g = {}
    for l in range(LAYERS):
        for k in range(WIDTH):
            node = f"n{l}_{k}"
            if l == LAYERS - 1:
                g[node] = ["sink"]
            else:
                g[node] = sorted(random.sample([f"n{l + 1}_{j}" for j in range(WIDTH)], 3))
    g["sink"] = []
    return g


def count_paths(g, node):
    if node == "sink":
        return 1
    return sum(count_paths(g, nxt) for nxt in g[node])


def short_routes(g, node, path, limit, out):
    if len(path) == limit:
        out.append(path)
        return
    for nxt in g[node]:
        short_routes(g, nxt, path + [nxt], limit, out)


def main():
    g = make_dag()
    counts = [count_paths(g, f"n0_{k}") for k in range(WIDTH)]
    routes = []
    short_routes(g, "n0_0", ["n0_0"], 5, routes)
    print("paths", counts)
    print("routes", len(routes), "->".join(routes[0]), "->".join(routes[-1]))


main()
