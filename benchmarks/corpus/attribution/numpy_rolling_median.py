"""Rolling robust statistics on a price series with numpy: each window is
sorted to take median and quartiles."""
import numpy as np


def rolling(prices, window, step):
    medians = []
    spreads = []
    for start in range(0, len(prices) - window, step):
        w = np.sort(prices[start:start + window])
        med = w[window // 2]
        q1 = w[window // 4]
        q3 = w[3 * window // 4]
        medians.append(med)
        spreads.append(q3 - q1)
    return np.array(medians), np.array(spreads)


def main():
    rng = np.random.default_rng(4)
    prices = np.cumsum(rng.normal(0, 1, 1_500_000)) + 1000.0
    medians, spreads = rolling(prices, 400_000, 12000)
    print("windows", len(medians), "mean spread", round(float(spreads.mean()), 3))


if __name__ == "__main__":
    main()
