"""Build a plain-text invoice report through a small Report class whose
add() method appends to an attribute string."""
import random


class Report:
    def __init__(self, title):
        self.text = title + "\n"
        self.lines = 0

    def add(self, s):
        self.text += s

    def rule(self):
        self.add("-" * 60 + "\n")


def make_invoices(n, rng):
    customers = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark"]
    return [(i, rng.choice(customers), rng.randrange(1, 40), rng.random() * 100.0)
            for i in range(n)]


def render(invoices):
    rep = Report("INVOICES")
    rep.rule()
    total = 0.0
    for inv_id, cust, qty, price in invoices:
        amount = qty * price
        total += amount
        rep.add("%06d  %-10s %4d x %8.2f = %10.2f\n" % (inv_id, cust, qty, price, amount))
        rep.lines += 1
    rep.rule()
    rep.add("TOTAL %.2f\n" % total)
    return rep


def main():
    rng = random.Random(42)
    invoices = make_invoices(15000, rng)
    rep = render(invoices)
    print("report chars", len(rep.text), "lines", rep.lines)


if __name__ == "__main__":
    main()
