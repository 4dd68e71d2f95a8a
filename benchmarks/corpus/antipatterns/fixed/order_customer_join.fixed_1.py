"""Revenue per customer: join an order export to the CRM's customer list by
e-mail address (case-insensitive), and attach region managers."""
import random

random.seed(103)


class Customer:
    def __init__(self, cid, email, region):
        self.cid = cid
        self.email = email
        self.region = region


class Order:
    def __init__(self, oid, email, total):
        self.oid = oid
        self.email = email
        self.total = total


def make_data(n_cust, n_orders):
    customers = []
    for i in range(n_cust):
        email = f"user{i}@shop{i % 7}.com"
        customers.append(Customer(i, email.upper() if i % 3 == 0 else email, random.choice("NSEW")))
    orders = []
    for j in range(n_orders):
        c = random.randrange(n_cust + 200)
        email = f"user{c}@shop{c % 7}.com"
        orders.append(Order(j, email.title() if j % 2 else email, round(random.uniform(3, 300), 2)))
    return customers, orders


def main():
    customers, orders = make_data(2500, 4000)
    revenue = {}
    unmatched = 0
    by_email = {}
    for c in customers:
        by_email.setdefault(c.email.lower(), c)
    for o in orders:
        c = by_email.get(o.email.lower())
        if c is not None:
            revenue[c.cid] = revenue.get(c.cid, 0) + o.total
        else:
            unmatched += 1
    managers = [("N", "Ana"), ("S", "Ben"), ("E", "Cy"), ("W", "Di")]
    by_manager = {}
    for region, name in managers:
        for c in customers[:6]:
            if c.region == region:
                by_manager[name] = by_manager.get(name, 0) + 1
    print("customers", len(revenue), "unmatched", unmatched, "top", round(max(revenue.values()), 2), sorted(by_manager.items()))


main()
