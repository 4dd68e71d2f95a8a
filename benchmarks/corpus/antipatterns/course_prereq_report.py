"""University catalogue report: for every course list all transitive
prerequisites and produce a study order."""
import random

random.seed(19)
N_COURSES = 80


def make_catalogue():
    prereq = {}
    for c in range(N_COURSES):
        name = f"C{c:03d}"
        k = min(c, random.randint(1, 3))
        prereq[name] = sorted(f"C{p:03d}" for p in random.sample(range(max(0, c - 8), c), k)) if c else []
    return prereq


def all_prereqs(course, prereq):
    found = set()
    for p in prereq[course]:
        found.add(p)
        found |= all_prereqs(p, prereq)
    return found


def study_order(prereq):
    order = []
    placed = set()
    pending = sorted(prereq)
    while pending:
        for c in pending:
            if all(p in placed for p in prereq[c]):
                order.append(c)
                placed.add(c)
                pending.remove(c)
                break
    return order


def main():
    prereq = make_catalogue()
    sizes = {}
    for c in prereq:
        sizes[c] = len(all_prereqs(c, prereq))
    order = study_order(prereq)
    deepest = max(sizes, key=lambda c: (sizes[c], c))
    print("courses", len(prereq), "deepest", deepest, sizes[deepest], "total", sum(sizes.values()))
    print("order", " ".join(order[:8]), "...", order[-1])


main()
