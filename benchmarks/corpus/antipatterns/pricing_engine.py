"""Price a batch of order lines: catalogue lookup, promotions, and a
'premium' surcharge for items priced above the catalogue median."""
import random

random.seed(109)
CATALOG = {f"SKU{i:04d}": round(random.uniform(1, 200), 2) for i in range(3000)}
PROMOS = [{"sku": f"SKU{i:04d}", "pct": 10 + i % 20} for i in range(0, 3000, 7)]


def price_lines(lines):
    total = 0.0
    premium = 0
    missing = 0
    for line in lines:
        sku = line["sku"]
        if sku not in CATALOG.keys():
            missing += 1
            continue
        price = CATALOG[sku]
        median_price = sorted(CATALOG.values())[len(CATALOG) // 2]
        if price > median_price:
            price *= 1.05
            premium += 1
        if sku in [p["sku"] for p in PROMOS]:
            pct = next(p["pct"] for p in PROMOS if p["sku"] == sku)
            price *= 1 - pct / 100
        total += price * line["qty"]
    return total, premium, missing


def main():
    lines = [{"sku": f"SKU{random.randrange(3100):04d}", "qty": random.randint(1, 5)} for _ in range(8000)]
    total, premium, missing = price_lines(lines)
    print("total %.2f premium %d missing %d" % (total, premium, missing))


main()
