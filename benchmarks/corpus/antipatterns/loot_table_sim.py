"""Loot-drop simulator for a game economy spreadsheet.

Simulates players opening chests: the item comes from a fixed drop table
(weighted), and rare "legendary" pulls use a pity system whose weights grow
after every miss. Used by designers to check the expected gold value per
chest. Prints drop counts per rarity, the mean value and a checksum.
"""
import random
import zlib

RARITIES = ["common", "uncommon", "rare", "epic"]


def build_table(rng):
    items, weights, values, rarity = [], [], [], {}
    for i in range(120):
        r = RARITIES[min(3, int(rng.expovariate(1.3)))]
        name = "%s-%03d" % (r, i)
        items.append(name)
        weights.append({"common": 60, "uncommon": 25, "rare": 8, "epic": 2}[r] * rng.uniform(0.5, 1.5))
        values.append({"common": 5, "uncommon": 20, "rare": 90, "epic": 400}[r])
        rarity[name] = r
    return items, weights, values, rarity


class DropTable:
    def __init__(self, items, weights, values):
        self.items = items
        self.weights = weights
        self.value_of = dict(zip(items, values))

    def roll(self, rng):
        return rng.choices(self.items, weights=self.weights)[0]


class PitySystem:
    def __init__(self):
        self.legendaries = ["sunblade", "moonbow", "starhelm"]
        self.weights = [1.0, 1.0, 1.0, 97.0]

    def pull(self, rng):
        pick = rng.choices(self.legendaries + [None], weights=self.weights)[0]
        if pick is None:
            for k in range(3):
                self.weights[k] += 0.5      # every miss makes the next pull luckier
        else:
            self.weights = [1.0, 1.0, 1.0, 97.0]
        return pick


def main():
    rng = random.Random(77)
    items, weights, values, rarity = build_table(rng)
    table = DropTable(items, weights, values)
    pity = PitySystem()
    counts = {r: 0 for r in RARITIES}
    legend = {}
    gold = 0
    checksum = 0
    chests = 0
    for player in range(400):
        for chest in range(800):
            item = table.roll(rng)
            counts[rarity[item]] += 1
            gold += table.value_of[item]
            chests += 1
            if chest % 100 == 99:
                pick = pity.pull(rng)
                if pick is not None:
                    legend[pick] = legend.get(pick, 0) + 1
            if chest % 50 == 0:
                checksum = zlib.crc32(item.encode(), checksum)
    for r in RARITIES:
        print("%-9s %7d" % (r, counts[r]))
    print("legendaries", sorted(legend.items()))
    print("mean gold per chest %.4f" % (gold / chests))
    print("checksum %08x" % checksum)


if __name__ == "__main__":
    main()
