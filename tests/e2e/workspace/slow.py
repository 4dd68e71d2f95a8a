"""Heatlens end-to-end target that runs for two minutes unless it is cancelled."""
import time


def spin():
    end = time.time() + 120
    x = 0
    while time.time() < end:
        x += 1
    return x


if __name__ == "__main__":
    spin()
