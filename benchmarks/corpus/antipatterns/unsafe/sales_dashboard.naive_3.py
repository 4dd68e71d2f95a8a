"""Sales dashboard numbers for a small web shop.

For every order line it computes the price band (relative to the catalogue's
90th-percentile price), a normalised basket score and a running "typical
order" reference, then aggregates per region. Prints the per-region table
and a checksum.
"""
import random
import zlib

REGIONS = ["north", "south", "east", "west", "online"]


class Order:
    __slots__ = ("oid", "region", "sku", "qty", "price")

    def __init__(self, oid, region, sku, qty, price):
        self.oid = oid
        self.region = region
        self.sku = sku
        self.qty = qty
        self.price = price


def make_catalogue(rng):
    return {"SKU%05d" % i: round(rng.lognormvariate(3.0, 0.8), 2) for i in range(1500)}


def make_orders(rng, catalogue):
    skus = sorted(catalogue)
    orders = []
    for oid in range(12000):
        sku = rng.choice(skus)
        orders.append(Order(oid, rng.choice(REGIONS), sku, rng.randint(1, 6), catalogue[sku]))
    return orders


class History:
    def __init__(self):
        self.values = []

    def record(self, value):
        self.values.append(value)
        return value


def price_bands(orders, catalogue):
    prices = list(catalogue.values())
    bands = {}
    for o in orders:
        p90 = sorted(prices)[int(len(prices) * 0.9)]
        band = "premium" if o.price >= p90 else "standard"
        bands[band] = bands.get(band, 0) + 1
    return bands


def basket_scores(orders):
    table = {r: [0, 0.0] for r in REGIONS}
    history = History()
    seen = history.values
    typical_once = sorted(seen)[len(seen) // 2] if seen else 0.0
    for i, o in enumerate(orders):
        biggest = max(x.qty * x.price for x in orders)
        score = o.qty * o.price / biggest
        if i % 700 == 0:
            typical = typical_once
            table[o.region][1] += typical
        history.record(round(score, 4))
        table[o.region][0] += 1
        table[o.region][1] += score
    return table


def main():
    rng = random.Random(314)
    catalogue = make_catalogue(rng)
    orders = make_orders(rng, catalogue)
    bands = price_bands(orders, catalogue)
    table = basket_scores(orders[:3500])
    checksum = 0
    for r in REGIONS:
        n, s = table[r]
        line = "%-7s %5d %10.4f" % (r, n, s)
        print(line)
        checksum = zlib.crc32(line.encode(), checksum)
    print("bands", sorted(bands.items()))
    print("checksum %08x" % checksum)


if __name__ == "__main__":
    main()
