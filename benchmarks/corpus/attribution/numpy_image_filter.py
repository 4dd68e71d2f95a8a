"""Blur and sharpen a greyscale image with numpy by summing shifted
slices (a hand-written convolution)."""
import numpy as np


def convolve(img, kernel):
    kh, kw = kernel.shape
    h = img.shape[0] - kh + 1
    w = img.shape[1] - kw + 1
    acc = np.zeros((h, w))
    for dy in range(kh):
        for dx in range(kw):
            acc += img[dy:dy + h, dx:dx + w] * kernel[dy, dx]
            taps = dy * kw + dx
    return acc


def main():
    rng = np.random.default_rng(12)
    img = rng.random((1400, 1400))
    blur = np.full((5, 5), 1 / 25.0)
    sharp = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float)
    out = img
    for _ in range(18):
        out = convolve(out, blur)
        out = convolve(out, sharp)
    print("shape", out.shape, "mean", round(float(out.mean()), 5))


if __name__ == "__main__":
    main()
