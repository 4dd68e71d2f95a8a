"""Binarise a grey-scale image after a 3x3 box blur (document scanning step)."""
import numpy as np

rng = np.random.default_rng(13)


def blur(img):
    padded = np.pad(img.astype(np.float64), 1, mode="edge")
    acc = np.zeros(img.shape, dtype=np.float64)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            acc += padded[dy:dy + img.shape[0], dx:dx + img.shape[1]]
    return acc / 9.0


def threshold(img, t):
    return np.where(img > t, 255, 0).astype(np.uint8)


def main():
    img = rng.integers(0, 256, size=(1600, 1600)).astype(np.uint8)
    img[100:200, 100:300] = 30
    smooth = blur(img)
    binary = threshold(smooth, 127.5)
    print("white", int((binary == 255).sum()), "checksum", int(binary[::7, ::5].sum()) % 100003)


main()
