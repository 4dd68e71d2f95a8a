"""Resolve an install order for a package index (Kahn's algorithm), the way a
small package manager would, then report which packages pull in the most."""
import random

random.seed(8)
N_PKG = 9000


def make_index():
    index = {}
    for i in range(N_PKG):
        name = f"pkg{i:05d}"
        deps = [f"pkg{j:05d}" for j in random.sample(range(max(0, i - 400), i), min(i, random.randint(0, 4)))]
        index[name] = deps
    return index


def install_order(index):
    indegree = {p: len(d) for p, d in index.items()}
    users = {p: [] for p in index}
    for p, deps in index.items():
        for d in deps:
            users[d].append(p)
    ready = sorted(p for p, n in indegree.items() if n == 0)
    resolved = []
    while ready:
        pkg = ready.pop(0)
        resolved.append(pkg)
        for u in users[pkg]:
            indegree[u] -= 1
            if indegree[u] == 0:
                ready.append(u)
    return resolved


def check(index, order):
    installed = []
    problems = 0
    for pkg in order:
        for d in index[pkg]:
            if d not in installed:
                problems += 1
        installed.append(pkg)
    return problems


def main():
    index = make_index()
    order = install_order(index)
    problems = check(index, order)
    fanout = {}
    for p, deps in index.items():
        for d in deps:
            fanout[d] = fanout.get(d, 0) + 1
    top = sorted(fanout.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    print("packages", len(order), "problems", problems, "first", order[:3], "last", order[-1], "top", top)


main()
