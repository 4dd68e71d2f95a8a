"""Roll up daily sales CSV exports: per-SKU running totals, a ranked
top-sellers list and an end-of-day snapshot after every batch."""
import csv
import io
import random
from operator import itemgetter


def make_csv(n_rows, n_skus, rng):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["date", "store", "sku", "qty", "price"])
    for i in range(n_rows):
        w.writerow(["2024-03-%02d" % (1 + i % 28), "S%03d" % rng.randrange(50),
                    "SKU%05d" % rng.randrange(n_skus), rng.randrange(1, 9),
                    "%.2f" % (rng.random() * 50)])
    return buf.getvalue().splitlines()


def rollup(lines, batch):
    totals = {}
    history = []
    leaders = []
    header = lines[0]
    body = lines[1:]
    for start in range(0, len(body), batch):
        rows = list(csv.reader(body[start:start + batch]))
        for r in rows:
            totals[r[2]] = totals.get(r[2], 0.0) + int(r[3]) * float(r[4])
        ranked = sorted(totals.items(), key=itemgetter(1), reverse=True)
        leaders.append(ranked[0][0])
        history.append(dict(totals))
        day = start // batch
    return header, totals, leaders, history


def main():
    rng = random.Random(2024)
    lines = make_csv(65000, 30000, rng)
    header, totals, leaders, history = rollup(lines, 300)
    print("skus", len(totals), "batches", len(history), "last leader", leaders[-1])


if __name__ == "__main__":
    main()
