"""Accounts-receivable matcher.

Bank statement lines are matched to open invoices by (customer, amount) —
the usual first pass of a reconciliation job exported from a spreadsheet —
and manual adjustments are matched by their tag set. Prints matched totals
and a checksum.
"""
import random
import zlib


class Invoice:
    def __init__(self, number, customer, cents):
        self.number = number
        self.customer = customer
        self.cents = cents
        self.paid = False


class Ledger:
    def __init__(self):
        self.paid_numbers = []
        self.total = 0

    def mark_paid(self, inv):
        inv.paid = True
        self.paid_numbers.append(inv.number)
        self.total += inv.cents

    def unpaid(self, invoices):
        return [inv for inv in invoices if inv.number not in self.paid_numbers]


def make_data(rng):
    customers = ["C%05d" % i for i in range(700)]
    invoices = []
    for n in range(5600):
        invoices.append(Invoice("INV-%06d" % (n * 7 + 3), rng.choice(customers), rng.randrange(1000, 90000, 5)))
    payments = []
    for inv in rng.sample(invoices, 4200):
        payments.append({"payer": inv.customer, "amount": inv.cents, "ref": "ST%d" % rng.randrange(10**6)})
    for _ in range(600):
        payments.append({"payer": rng.choice(customers), "amount": rng.randrange(1000, 90000, 5), "ref": "ST?"})
    rng.shuffle(payments)
    adjustments = []
    for i in range(40):
        tags = {"kind": rng.choice(["credit", "fee", "fx"]), "region": rng.choice(["eu", "us"])}
        adjustments.append({"tags": tags, "cents": rng.randrange(100, 999)})
    rules = [{"tags": {"kind": "fee", "region": "eu"}, "account": 6810},
             {"tags": {"kind": "fx", "region": "us"}, "account": 6820},
             {"tags": {"kind": "credit", "region": "eu"}, "account": 4100}]
    return invoices, payments, adjustments, rules


def match_payments(invoices, payments, ledger):
    matches = []
    by_key = {}
    for inv in invoices:
        by_key.setdefault((inv.customer, inv.cents), []).append(inv)
    for p in payments:
        for inv in by_key.get((p["payer"], p["amount"]), ()):
            if not inv.paid:
                ledger.mark_paid(inv)
                matches.append((p["ref"], inv.number))
                break
    return matches


def match_adjustments(adjustments, rules):
    booked = {}
    for adj in adjustments:
        for rule in rules:
            if rule["tags"] == adj["tags"]:
                booked[rule["account"]] = booked.get(rule["account"], 0) + adj["cents"]
    return booked


def main():
    rng = random.Random(1999)
    invoices, payments, adjustments, rules = make_data(rng)
    ledger = Ledger()
    matches = match_payments(invoices, payments, ledger)
    booked = match_adjustments(adjustments, rules)
    overdue = ledger.unpaid(invoices)
    checksum = 0
    for ref, number in matches:
        checksum = zlib.crc32((ref + number).encode(), checksum)
    print("payments", len(payments), "matched", len(matches))
    print("paid total %.2f" % (ledger.total / 100))
    print("unpaid invoices", len(overdue), "worth %.2f" % (sum(i.cents for i in overdue) / 100))
    for account in sorted(booked):
        print("adjustment account", account, booked[account])
    print("checksum %08x" % checksum)


if __name__ == "__main__":
    main()
