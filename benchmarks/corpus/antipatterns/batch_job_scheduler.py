"""Batch-cluster scheduler simulation.

Jobs of ~50 kinds arrive over time (the kind is drawn from the observed mix
of last month's workload), wait in a ready list ordered by priority and
deadline, and run on a fixed number of worker slots. Capacity planners run
this to compare slot counts. Prints throughput, mean wait and a checksum.
"""
import itertools
import random
import zlib

SLOTS = 52
TICKS = 8500


def job_kinds(rng):
    kinds = []
    for k in range(50):
        kinds.append({"name": "kind%02d" % k, "prio": rng.randint(0, 9),
                      "runtime": rng.randint(2, 60), "weight": rng.paretovariate(1.5)})
    return kinds


class Workload:
    def __init__(self, kinds, rng):
        self.kinds = kinds
        self.cum_weights = list(itertools.accumulate(k["weight"] for k in kinds))
        self.rng = rng

    def next_kind(self):
        return self.rng.choices(self.kinds, cum_weights=self.cum_weights)[0]


def simulate(rng, workload, slots):
    ready = []
    running = []
    done = 0
    waited = 0
    checksum = 0
    seq = 0
    for t in range(TICKS):
        for _ in range(rng.randint(0, 4)):
            kind = workload.next_kind()
            seq += 1
            ready.append((kind["prio"], t + 3 * kind["runtime"], seq, kind["name"], kind["runtime"]))
        still = []
        for finish, name in running:
            if finish <= t:
                done += 1
            else:
                still.append((finish, name))
        running = still
        while ready and len(running) < slots:
            ready.sort(key=lambda job: (job[0], job[1]), reverse=True)
            prio, deadline, s, name, runtime = ready.pop()
            waited += t - (deadline - 3 * runtime)
            running.append((t + runtime, name))
            if s % 97 == 0:
                checksum = zlib.crc32(("%d:%s" % (t, name)).encode(), checksum)
    return done, waited, len(ready), checksum


def main():
    rng = random.Random(1234)
    workload = Workload(job_kinds(rng), rng)
    done, waited, backlog, checksum = simulate(rng, workload, SLOTS)
    print("slots", SLOTS, "jobs done", done, "backlog", backlog)
    print("mean wait %.3f ticks" % (waited / max(done, 1)))
    print("checksum %08x" % checksum)


if __name__ == "__main__":
    main()
