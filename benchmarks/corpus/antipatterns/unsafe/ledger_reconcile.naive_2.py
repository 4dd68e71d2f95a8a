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
    for b in bank:
        for l in ledger:
            if b["date"] == l["date"] and b["amount"] == l["amount"]:
                matched.append((b["id"], l["id"]))
                break
    splits_a, splits_b = make_splits(800)
    pairs = 0
    by_refs = {}
    for s in splits_b:
        by_refs[s["refs"]] = by_refs.get(s["refs"], 0) + 1
    for a in splits_a:
        pairs += by_refs.get(a["refs"], 0)
    print("bank", len(bank), "ledger", len(ledger), "matched", len(matched), matched[:2], "split pairs", pairs)


main()
