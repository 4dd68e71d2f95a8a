"""Warehouse inventory with undo: before every transaction the whole stock
dict is copied onto an undo stack, and a stock total is kept."""
import random


def run(transactions, n_skus, rng):
    stock = {"SKU%05d" % i: rng.randrange(100) for i in range(n_skus)}
    undo = []
    totals = []
    for t in range(transactions):
        undo.append(dict(stock))
        sku = "SKU%05d" % rng.randrange(n_skus)
        stock[sku] = max(0, stock[sku] + rng.randrange(-5, 6))
        if len(undo) > 40:
            undo.pop(0)
        if t % 4 == 0:
            totals.append(sum(stock.values()))
            last_total = totals[-1]
    return stock, undo, totals


def main():
    rng = random.Random(77)
    stock, undo, totals = run(8000, 30000, rng)
    print("skus", len(stock), "undo", len(undo), "total", totals[-1])


if __name__ == "__main__":
    main()
