"""Simulate a job scheduler: a backlog of jobs is processed first-come
first-served; finished jobs may spawn follow-up jobs into the same queue,
and the dispatcher always reports the next few jobs by deadline."""
import random

random.seed(139)


def main():
    jobs = [(i, random.randint(1, 20)) for i in range(120000)]
    done = 0
    busy = 0
    while jobs:
        jid, cost = jobs.pop(0)
        busy += cost
        done += 1

    tasks = [{"id": i, "deadline": random.randint(0, 1000)} for i in range(150)]
    queue = tasks
    next_up = []
    for step in range(600):
        upcoming = sorted(tasks, key=lambda t: (t["deadline"], t["id"]))[:3]
        next_up.append(upcoming[0]["id"])
        if step % 3 == 0:
            queue.append({"id": 1000 + step, "deadline": random.randint(0, 50)})
    print("done", done, "busy", busy, "tasks", len(tasks), "next", next_up[-5:])


main()
