"""Clean a GPS point dump: drop near-duplicate fixes (points equal within a
tolerance) and count pairs of points that fall into the same map tile."""
import random
from collections import Counter

random.seed(23)
TOL = 1e-4


class Fix:
    def __init__(self, lat, lon):
        self.lat = lat
        self.lon = lon

    def __eq__(self, other):
        return abs(self.lat - other.lat) < TOL and abs(self.lon - other.lon) < TOL

    def tile(self):
        return (int(self.lat * 50), int(self.lon * 50))


def make_fixes(n):
    pts = []
    for _ in range(n):
        lat, lon = random.uniform(48.0, 49.0), random.uniform(2.0, 3.0)
        pts.append(Fix(lat, lon))
        if random.random() < 0.2:
            pts.append(Fix(lat + random.uniform(-5e-5, 5e-5), lon + random.uniform(-5e-5, 5e-5)))
    return pts


def main():
    fixes = make_fixes(1700)
    tiles = Counter(f.tile() for f in fixes)
    same_tile = sum(n * (n - 1) // 2 for n in tiles.values())

    sample = fixes[:400]
    unique = []
    for p in sample:
        if p not in unique:
            unique.append(p)
    print("fixes", len(fixes), "same-tile pairs", same_tile, "unique in sample", len(unique))


main()
