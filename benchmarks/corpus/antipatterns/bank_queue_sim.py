"""Discrete-time simulation of a bank branch: customers arrive, pick a service,
wait in one FIFO line and are served by a few tellers."""
import random

random.seed(2024)

SERVICES = [f"svc{i:02d}" for i in range(48)]
SERVICE_WEIGHTS = [1 + (i * 7) % 11 for i in range(48)]
SERVICE_TIME = {s: 2 + (i % 9) for i, s in enumerate(SERVICES)}
N_TICKS = 150000
N_TELLERS = 5


def pick_service():
    return random.choices(SERVICES, weights=SERVICE_WEIGHTS)[0]


def run():
    waiting = []
    tellers = [0] * N_TELLERS
    served = 0
    total_wait = 0
    longest = 0
    for tick in range(N_TICKS):
        if random.random() < 0.95:
            waiting.append((tick, pick_service()))
        for t in range(N_TELLERS):
            if tellers[t] <= tick and waiting:
                arrived, svc = waiting.pop(0)
                total_wait += tick - arrived
                tellers[t] = tick + SERVICE_TIME[svc]
                served += 1
        if len(waiting) > longest:
            longest = len(waiting)
    return served, total_wait, longest, len(waiting)


def urn_feedback(rounds):
    # Polya urn: the popularity of a desk grows each time it is chosen,
    # so the weights must be read afresh on every draw.
    desks = ["A", "B", "C", "D"]
    desk_weights = [1, 1, 1, 1]
    for _ in range(rounds):
        d = random.choices(desks, weights=desk_weights)[0]
        desk_weights[desks.index(d)] += 1
    return desk_weights


served, total_wait, longest, left = run()
print("served", served, "mean wait %.3f" % (total_wait / served), "longest", longest, "left", left)
print("urn", urn_feedback(3000))
