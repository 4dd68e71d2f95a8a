"""Reconcile a bank statement against the accounting ledger: match entries by
(date, amount), then pair up split payments that reference the same invoice
list."""
import random

random.seed(97)


def make_entries(n):
    bank, ledger = [], []
    for i in range(n):
        date = f"2024-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"
        amount = round(random.uniform(5, 900), 2)
        bank.append({"id": f"B{i}", "date": date, "amount": amount})
        if random.random() < 0.9:
            ledger.append({"id": f"L{i}", "date": date, "amount": amount})
    random.shuffle(ledger)
    return bank, ledger


def make_splits(n):
    splits_a, splits_b = [], []
    for i in range(n):
        refs = sorted(random.sample(range(40), random.randint(1, 3)))
        splits_a.append({"id": f"SA{i}", "refs": refs})
        if random.random() < 0.7:
            splits_b.append({"id": f"SB{i}", "refs": list(refs)})
    return splits_a, splits_b


def main():
    bank, ledger = make_entries(7000)
    matched = []
    index = {}
    for l in ledger:
        index.setdefault((l["date"], l["amount"]), l)
    for b in bank:
        l = index.get((b["date"], b["amount"]))
        if l is not None:
            matched.append((b["id"], l["id"]))
    splits_a, splits_b = make_splits(800)
    pairs = 0
    for a in splits_a:
        for s in splits_b:
            if a["refs"] == s["refs"]:
                pairs += 1
    print("bank", len(bank), "ledger", len(ledger), "matched", len(matched), matched[:2], "split pairs", pairs)


main()
