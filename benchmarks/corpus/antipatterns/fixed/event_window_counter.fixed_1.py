"""Stream analytics: count distinct users in a sliding window of the last
events, and flag repeated error codes within a short window."""
import random
from collections import deque

random.seed(31)
N_EVENTS = 150000
WINDOW = 15000


def make_events():
    return [(i, f"u{random.randrange(5000)}", random.choice([200, 200, 200, 404, 500, 503]))
            for i in range(N_EVENTS)]


def main():
    events = make_events()
    window = deque()
    counts = {}
    peaks = 0
    for ts, user, code in events:
        window.append(user)
        counts[user] = counts.get(user, 0) + 1
        if len(window) > WINDOW:
            old = window.popleft()
            counts[old] -= 1
            if counts[old] == 0:
                del counts[old]
        if len(counts) > peaks:
            peaks = len(counts)

    recent = []
    repeats = 0
    for ts, user, code in events:
        if code >= 500:
            if code in recent:
                repeats += 1
            recent.append(code)
            if len(recent) > 4:
                recent.remove(recent[0])
    print("peak distinct", peaks, "repeated errors", repeats, "recent", recent)


main()
