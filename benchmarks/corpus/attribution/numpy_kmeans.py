"""k-means clustering of customer feature vectors with numpy (Lloyd's
iterations written out by hand)."""
import numpy as np


def kmeans(x, k, iters, rng):
    centers = x[rng.choice(len(x), k, replace=False)]
    for it in range(iters):
        d = ((x[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        labels = d.argmin(axis=1)
        for j in range(k):
            members = x[labels == j]
            if len(members):
                centers[j] = members.mean(axis=0)
    return centers, labels


def main():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(120_000, 8))
    centers, labels = kmeans(x, 12, 20, rng)
    print("sizes", np.bincount(labels).tolist()[:6])


if __name__ == "__main__":
    main()
