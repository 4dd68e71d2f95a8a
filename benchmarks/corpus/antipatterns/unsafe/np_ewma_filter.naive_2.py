"""Clean a noisy sensor trace: clip outliers to the sensor's range, then smooth
with an exponentially weighted moving average (a first-order IIR filter)."""
import numpy as np

rng = np.random.default_rng(5)
LO, HI = -3.0, 3.0
ALPHA = 0.05


def clip_outliers(x):
    x = x.copy()
    for i in range(len(x)):
        if x[i] > HI:
            x[i] = HI
        elif x[i] < LO:
            x[i] = LO
    return x


def ewma(x):
    y = np.empty_like(x)
    y[0] = x[0]
    y[1:] = ALPHA * x[1:] + (1 - ALPHA) * y[:-1]
    return y


def main():
    x = rng.normal(0, 1.5, 2400000)
    clipped = clip_outliers(x)
    short = clipped[:160000]
    smooth = ewma(short)
    print("clipped %.6f smooth %.6f last %.6f" % (clipped.sum(), smooth.sum(), smooth[-1]))


main()
