"""Find close pairs among particle positions (neighbour list for a small
molecular-dynamics step) and assign particles to the nearest of a few centres."""
import numpy as np

rng = np.random.default_rng(21)
R = 0.05


def close_pairs(P):
    n = len(P)
    pairs = 0
    dmin = np.inf
    for i in range(n):
        for j in range(i + 1, n):
            d = np.sqrt(((P[i] - P[j]) ** 2).sum())
            if d < R:
                pairs += 1
            if d < dmin:
                dmin = d
    return pairs, dmin


def nearest_centre(P, centres):
    best = np.full(len(P), -1)
    bestd = np.full(len(P), np.inf)
    for k, c in enumerate(centres):
        d = np.sqrt(((P - c) ** 2).sum(axis=1))
        closer = d < bestd
        best[closer] = k
        bestd[closer] = d[closer]
    return best


def main():
    P = rng.random((850, 3))
    pairs, dmin = close_pairs(P)
    labels = nearest_centre(P, rng.random((5, 3)))
    print("pairs", pairs, "dmin %.9f" % dmin, "labels", np.bincount(labels).tolist())


main()
