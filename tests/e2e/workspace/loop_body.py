"""Heatlens end-to-end target: the cost of a loop body is a membership test in its middle, not its last line.

~2.5 s: the heat threshold is 1 % of the run, and a busy machine adds a few samples on a loop's back edge (the
body's last line) around the memory helper's hand-overs: a longer run keeps them under it."""


def dedupe(items):
    seen = []
    count = 0
    for x in items:
        if x not in seen:  # the costly membership
            seen.append(x)
        count += 1  # the cheap last line
    return seen, count


if __name__ == "__main__":
    data = [i % 12000 for i in range(90000)]
    dedupe(data)
