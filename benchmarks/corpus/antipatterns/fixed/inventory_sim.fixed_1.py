"""Monte-Carlo warehouse inventory simulation: each day a new order record is
created from a template, items are drawn by popularity, stock is replenished."""
import copy
import random

random.seed(61)
ITEMS = [f"sku{i:03d}" for i in range(120)]
POPULARITY = [max(1, int(100 / (1 + i))) for i in range(120)]
ORDER_TEMPLATE = {"id": 0, "day": 0, "sku": "", "qty": 0, "status": "new", "priority": 1,
                  "channel": "web", "currency": "EUR", "gift": False, "notes": None}
WAREHOUSE_TEMPLATE = {"bins": [], "counts": {"in": 0, "out": 0}}


def simulate(days, orders_per_day):
    stock = {s: 50 for s in ITEMS}
    orders = []
    stockouts = 0
    for day in range(days):
        for k in range(orders_per_day):
            order = dict(ORDER_TEMPLATE)
            order["id"] = len(orders)
            order["day"] = day
            order["sku"] = random.choices(ITEMS, weights=POPULARITY)[0]
            order["qty"] = random.randint(1, 3)
            if stock[order["sku"]] >= order["qty"]:
                stock[order["sku"]] -= order["qty"]
                order["status"] = "shipped"
            else:
                stockouts += 1
                order["status"] = "backorder"
            orders.append(order)
        for s in ITEMS:
            if stock[s] < 10:
                stock[s] += 40
    return orders, stockouts


def warehouses(n):
    out = []
    for i in range(n):
        w = copy.deepcopy(WAREHOUSE_TEMPLATE)
        w["bins"].append(f"bin{i}")
        w["counts"]["in"] += i
        out.append(w)
    return out


def main():
    orders, stockouts = simulate(1000, 110)
    shipped = sum(1 for o in orders if o["status"] == "shipped")
    ws = warehouses(6)
    print("orders", len(orders), "shipped", shipped, "stockouts", stockouts)
    print("warehouses", [w["bins"] for w in ws], WAREHOUSE_TEMPLATE)


main()
