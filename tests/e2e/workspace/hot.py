"""Heatlens end-to-end target: one hot function, one cold line."""
import time


def hot(n):
    return sum([i * i for i in range(n)])  # the hot line


def cold():
    return len(str(12345))  # the cold line


def main():
    end = time.process_time() + 1.5
    while time.process_time() < end:
        hot(20000)
    cold()


if __name__ == "__main__":
    main()
