"""Roll up a sales CSV export by region and product: totals, each row's share
of the grand total, and a free-text note column concatenated per region."""
import csv
import io
import random

random.seed(99)
REGIONS = ["north", "south", "east", "west", "central"]
PRODUCTS = [f"p{i}" for i in range(40)]


def make_csv(n):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "region", "product", "qty", "price", "note"])
    for i in range(n):
        w.writerow([i, random.choice(REGIONS), random.choice(PRODUCTS), random.randint(1, 9),
                    "%.2f" % random.uniform(1, 99), random.choice(["", "rush order, call before delivery", "gift wrap with card, no invoice in box",
                                   "b2b: invoice to head office", "promo code SPRING applied at checkout"]) * 8])
    return buf.getvalue()


def main():
    rows = list(csv.DictReader(io.StringIO(make_csv(24000))))
    amounts = [int(r["qty"]) * float(r["price"]) for r in rows]

    by_region = {}
    for r, amount in zip(rows, amounts):
        by_region.setdefault(r["region"], []).append(amount)

    big_rows = 0
    for reg in REGIONS:
        for amount in by_region[reg]:
            share = amount / sum(by_region[reg])
            if share > 0.001:
                big_rows += 1

    note_parts = {reg: [] for reg in REGIONS}
    for r in rows:
        if r["note"]:
            note_parts[r["region"]].append(r["id"] + ":" + r["note"] + ";")

    notes = {reg: "".join(p) for reg, p in note_parts.items()}
    lines = []
    for reg in REGIONS:
        total = sum([a for a in by_region[reg]])
        lines.append("%s %.2f %d" % (reg, total, len(notes[reg])))
    print("rows", len(rows), "big", big_rows)
    print("\n".join(lines))


main()
