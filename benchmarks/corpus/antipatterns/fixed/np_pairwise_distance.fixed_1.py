"""Find close pairs among particle positions (neighbour list for a small
molecular-dynamics step) and assign particles to the nearest of a few centres."""
import numpy as np

rng = np.random.default_rng(21)
R = 0.05


def close_pairs(P):
    diff = P[:, None, :] - P[None, :, :]
    D = np.sqrt((diff ** 2).sum(axis=-1))
    d = D[np.triu_indices(len(P), 1)]
    return int((d < R).sum()), d.min()


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
