"""Trading-signal prototype: moving average over overlapping windows of a price
series and per-tick z-scores."""
import numpy as np

rng = np.random.default_rng(17)
W = 200


def moving_average(x, w):
    ma = np.full(len(x), np.nan)
    for i in range(w, len(x) + 1):
        ma[i - 1] = x[i - w:i].mean()
    return ma


def zscores(x):
    mu, sd = x.mean(), x.std()
    z = np.empty_like(x)
    for i in range(len(x)):
        z[i] = (x[i] - mu) / sd
    return z


def daily_means(x, per_day):
    out = []
    for d in range(len(x) // per_day):
        out.append(x[d * per_day:(d + 1) * per_day].mean())
    return out


def main():
    prices = 100 + np.cumsum(rng.normal(0, 0.5, 900000))
    recent = prices[-180000:]
    ma = moving_average(recent, W)
    z = zscores(prices)
    days = daily_means(prices, 90000)
    signal = int(np.nansum(recent > ma))
    print("signal", signal, "ma_last %.6f" % ma[-1], "zmax %.6f" % z.max(), "days", [round(d, 4) for d in days[:3]])


main()
