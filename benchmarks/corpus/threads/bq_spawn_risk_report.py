"""Nightly risk report.

Portfolio scenarios are priced in a spawn-based ProcessPoolExecutor; the
parent collects results with as_completed() and folds each one into the
running risk report (a pure-Python aggregation) while the rest are still
being computed.
"""
import json
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
import multiprocessing as mp

N_PORTFOLIOS = 24
N_WORKERS = 2
STEPS = 320


def simulate_paths(portfolio_id, n_paths):
    t0 = time.thread_time()
    state = portfolio_id * 48271 + 1
    finals = []
    for p in range(n_paths):
        price = 10000
        for s in range(STEPS):
            state = (state * 48271) % 2147483647
            move = state % 201 - 100
            price = price + price * move // 10000
            if price < 1:
                price = 1
        finals.append(price)
    dt = time.thread_time() - t0
    return finals, dt


def price_binomial_tree(spot, depth):
    t0 = time.thread_time()
    up_num, up_den = 102, 100
    strike = spot
    values = []
    for i in range(depth + 1):
        price = spot
        for _ in range(i):
            price = price * up_num // up_den
        for _ in range(depth - i):
            price = price * up_den // up_num
        payoff = price - strike
        values.append(payoff if payoff > 0 else 0)
    for level in range(depth, 0, -1):
        nxt = []
        for i in range(level):
            nxt.append((values[i] + values[i + 1]) // 2)
        values = nxt
    dt = time.thread_time() - t0
    return values[0], dt


def price_portfolio(portfolio_id):
    finals, dt_paths = simulate_paths(portfolio_id, 600)
    spot = finals[0] if finals else 10000
    opt_value, dt_tree = price_binomial_tree(spot, 480 + portfolio_id % 5)
    return portfolio_id, finals, opt_value, {"simulate_paths": dt_paths,
                                              "price_binomial_tree": dt_tree}


def aggregate_risk(report, portfolio_id, finals, opt_value):
    t0 = time.thread_time()
    ordered = list(finals)
    # insertion sort, on purpose: the report tool "never needed numpy"
    for i in range(1, len(ordered)):
        v = ordered[i]
        j = i - 1
        while j >= 0 and ordered[j] > v:
            ordered[j + 1] = ordered[j]
            j -= 1
        ordered[j + 1] = v
    n = len(ordered)
    var95 = ordered[n * 5 // 100]
    mean = 0
    for v in ordered:
        mean += v
    mean = mean // n
    dev = 0
    for rep in range(100):
        for v in ordered:
            d = v - mean
            dev += d * d // (rep + 1)
    report[portfolio_id] = {"var95": var95, "mean": mean, "dev": dev, "opt": opt_value}
    dt = time.thread_time() - t0
    return dt


def main():
    totals = {}
    report = {}
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=N_WORKERS, mp_context=ctx) as pool:
        futures = [pool.submit(price_portfolio, pid) for pid in range(N_PORTFOLIOS)]
        for fut in as_completed(futures):
            pid, finals, opt_value, cpu = fut.result()
            for k, v in cpu.items():
                totals[k] = totals.get(k, 0.0) + v
            dt = aggregate_risk(report, pid, finals, opt_value)
            totals["aggregate_risk"] = totals.get("aggregate_risk", 0.0) + dt
    worst = min(report.values(), key=lambda r: r["var95"])
    print("portfolios=%d worst_var95=%d" % (len(report), worst["var95"]))
    print("GROUND_TRUTH " + json.dumps(totals))


if __name__ == "__main__":
    main()
