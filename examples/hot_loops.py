"""A small order-report job with one obvious hot spot, to try heatlens on.

    heatlens run examples/hot_loops.py --report summary

What a profile should show:
- `join_orders` is hot: a nested-loop join of orders against customers (O(n*m)), most of the CPU time,
  on the inner loop's comparison line. A dict keyed by customer id would make it O(n+m).
- `build_history` is memory-hungry: it builds a list of hundreds of thousands of small dicts
  (about 100 MB) that stays alive until the report is written.
- `load_settings` is cold: it runs once and takes almost no time.
"""

from __future__ import annotations

import random
import sys
from typing import Dict, List

Record = Dict[str, object]


def load_settings() -> Dict[str, object]:
    """Cold: runs once, costs nothing measurable."""
    return {"currency": "EUR", "vip_threshold": 900.0, "regions": ["north", "south", "east", "west"]}


def make_customers(count: int, rng: random.Random) -> List[Record]:
    regions = ["north", "south", "east", "west"]
    return [{"id": i, "name": f"customer-{i}", "region": rng.choice(regions)} for i in range(count)]


def make_orders(count: int, customers: int, rng: random.Random) -> List[Record]:
    return [
        {"order": n, "customer_id": rng.randrange(customers), "amount": round(rng.uniform(5, 1000), 2)}
        for n in range(count)
    ]


def join_orders(orders: List[Record], customers: List[Record]) -> List[Record]:
    """Hot: for every order, scan every customer (a nested-loop join)."""
    joined = []
    for order in orders:
        for customer in customers:
            if customer["id"] == order["customer_id"]:
                joined.append({**order, "region": customer["region"], "name": customer["name"]})
                break
    return joined


def build_history(days: int, per_day: int) -> List[Record]:
    """Memory-hungry: one small dict per (day, slot), all kept alive."""
    history = []
    for day in range(days):
        for slot in range(per_day):
            history.append({"day": day, "slot": slot, "total": float(day * per_day + slot), "tag": f"d{day}s{slot}"})
    return history


def totals_by_region(joined: List[Record]) -> Dict[str, float]:
    totals: Dict[str, float] = {}
    for row in joined:
        region = str(row["region"])
        totals[region] = totals.get(region, 0.0) + float(row["amount"])  # type: ignore[arg-type]
    return totals


def main(argv: List[str]) -> int:
    scale = float(argv[1]) if len(argv) > 1 else 1.0
    rng = random.Random(42)
    settings = load_settings()
    customers = make_customers(int(2000 * scale), rng)
    orders = make_orders(int(40000 * scale), len(customers), rng)
    joined = join_orders(orders, customers)
    history = build_history(int(600 * scale), 500)
    totals = totals_by_region(joined)
    vip = sum(1 for row in joined if float(row["amount"]) > float(settings["vip_threshold"]))  # type: ignore[arg-type]
    for region in sorted(totals):
        print(f"{region:>6}: {totals[region]:12,.2f} {settings['currency']}")
    print(f"{len(joined)} orders joined, {vip} VIP, {len(history)} history rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
