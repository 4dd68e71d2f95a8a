"""Supermarket checkout simulation: arrivals are pushed on the front of a
waiting list, the cashier serves from the back, and loyalty members
(looked up in a list) get a discount."""
import random


def simulate(steps, rng):
    waiting = []
    members = ["C%06d" % rng.randrange(10 ** 6) for _ in range(3000)]
    served = revenue = discounts = 0
    for t in range(steps):
        for _ in range(2):
            waiting.insert(0, ("C%06d" % rng.randrange(10 ** 6), rng.randrange(1, 60)))
        if t % 3 == 0 and waiting:
            cust, basket = waiting.pop()
            if cust in members:
                basket *= 0.9
                discounts += 1
            revenue += basket
            served += 1
    return served, len(waiting), round(revenue, 2), discounts


def main():
    rng = random.Random(101)
    served, left, revenue, discounts = simulate(50000, rng)
    print("served", served, "left", left, "revenue", revenue, "discounts", discounts)


if __name__ == "__main__":
    main()
