"""Back-test a toy trading strategy: simulate trades on a few symbols, track
the portfolio value and its running drawdown."""
import copy
import random

import numpy as np

SYMBOLS = [f"T{i:02d}" for i in range(64)]
WEIGHTS = [64 - i for i in range(64)]
CONFIG = {"fee": 0.001, "start_cash": 100000.0}


def main():
    rng = random.Random(131)
    cfg = copy.deepcopy(CONFIG)
    prices = {s: 100.0 for s in SYMBOLS}
    holdings = {s: 0 for s in SYMBOLS}
    cash = cfg["start_cash"]
    mtm = 0.0
    values = np.empty(90000)
    for day in range(len(values)):
        sym = rng.choices(SYMBOLS, WEIGHTS)[0]
        old = prices[sym]
        prices[sym] *= 1 + rng.gauss(0, 0.01)
        mtm += holdings[sym] * (prices[sym] - old)
        if rng.random() < 0.5 and cash > prices[sym]:
            holdings[sym] += 1
            cash -= prices[sym] * (1 + cfg["fee"])
            mtm += prices[sym]
        elif holdings[sym] > 0:
            holdings[sym] -= 1
            cash += prices[sym] * (1 - cfg["fee"])
            mtm -= prices[sym]
        values[day] = cash + mtm
    worst = 0.0
    peaks = np.maximum.accumulate(values)
    for i in range(len(values)):
        peak = peaks[i]
        dd = (peak - values[i]) / peak
        if dd > worst:
            worst = dd
    print("final %.4f worst drawdown %.6f" % (values[-1], worst))


main()
