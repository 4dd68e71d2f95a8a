"""Pick orders in a warehouse: every order line is taken from the first bin
that still stocks the SKU; picks are scored by distance to the far aisle."""
import random

random.seed(167)


class Bin:
    def __init__(self, code, sku, qty, aisle):
        self.code = code
        self.sku = sku
        self.qty = qty
        self.aisle = aisle


def main():
    skus = [f"S{i:04d}" for i in range(900)]
    bins = [Bin(f"B{i:05d}", random.choice(skus), random.randint(1, 6), random.randint(1, 60)) for i in range(3000)]
    orders = [[random.choice(skus) for _ in range(random.randint(1, 4))] for _ in range(4500)]
    picked = 0
    short = 0
    walk = 0
    far = max(b.aisle for b in bins)
    for order in orders:
        for sku in order:
            for b in bins:
                if b.sku == sku and b.qty > 0:
                    b.qty -= 1
                    picked += 1
                    walk += far - b.aisle
                    break
            else:
                short += 1
    print("picked", picked, "short", short, "walk", walk)


main()
