"""Heatlens end-to-end target: the cost of a loop body is a membership test in its middle, not its last line."""


def dedupe(items):
    seen = []
    count = 0
    for x in items:
        if x not in seen:  # the costly membership
            seen.append(x)
        count += 1  # the cheap last line
    return seen, count


if __name__ == "__main__":
    data = [i % 12000 for i in range(60000)]
    dedupe(data)
