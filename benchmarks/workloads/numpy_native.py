"""numpy / native: matrix products, FFTs and sorts: nearly all time in C, few Python lines."""
import sys

import numpy as np


def main(scale):
    rng = np.random.default_rng(0)
    a = rng.random((256, 256))
    v = rng.random(1 << 16)
    for _ in range(max(1, int(100 * scale))):
        a = (a @ a.T) / 256.0
        np.fft.fft(v)
        np.sort(v)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
