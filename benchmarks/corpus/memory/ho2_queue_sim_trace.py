"""Memory ground truth: a discrete-event simulation of a call centre that
keeps a full per-tick trace, with a big event list alive for each tick.

Every simulated minute ("tick") the model draws 6000 arrival events
(a list of (time, caller id, skill) tuples, ~700 KB with its floats and
ints), sorts it and walks it in time order, routing each call to the
agent that frees up first (a small heap of 36 agents), drawing service
times, and recording start and finish stamps. The event list and the
stamp list live for the whole ~15 ms tick. At the end of the tick the
(start, finish) stamps are copied into a compact array('d') that is
appended to a trace list kept until the end of the run (for a post-hoc
report that never comes).

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  trace   leak: TRACE.append(array("d", stamps)) -- ~90 KB per tick, 150
          ticks -> ~13 MB kept at exit, growing linearly (includes the
          list's pointer array)
  events  churn: the per-tick arrival list with its tuples, floats and ints
          (~700 KB, alive for the whole tick; ~50 MB per CPU second)
  finish  churn: one float per served call (the finish stamp), ~135 KB per
          tick, dropped with the stamp list
  (churn lines keep 0 MB; "allocated_mb" is what they allocated in total
   by sys.getsizeof)
About 15-17 ms of CPU per tick, ~2.2-2.6 s in all. The rest of the file keeps
< 2 % of the total. Values: sys.getsizeof arithmetic of the kept objects
(requested bytes); `--verify` re-measures with tracemalloc on 50 ticks.
MB = 2**20 bytes. (tracemalloc may still charge ~0.1 MB to the events line at exit:
CPython's tuple free lists keep some freed tuples allocated.)
"""
import heapq
import math
import os
import random
import sys
import time
from array import array

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

TICKS = 150
ARRIVALS = 6000
AGENTS = 36
SKILLS = ("billing", "billing", "support", "support", "support", "sales", "retention")
SPEED = {"billing": 0.0052, "support": 0.0068, "sales": 0.0041, "retention": 0.0090}
TRACE = []
ALLOCATED = {"events": 0, "finish": 0}


def tick(rng, t0, agents):
    events = [(t0 + rng.random(), rng.randrange(10 ** 7), SKILLS[rng.randrange(7)]) for _ in range(ARRIVALS)]  # [gt:events]
    events.sort()
    stamps = []
    waited = 0.0
    abandoned = 0
    for when, caller, skill in events:
        free_at, agent = agents[0]
        start = when if when > free_at else free_at
        if start - when > 0.05 and caller % 3 == 0:
            abandoned += 1
            continue
        service = -math.log(1.0 - rng.random()) * SPEED[skill]
        finish = start + service  # [gt:finish]
        heapq.heapreplace(agents, (finish, agent))
        waited += start - when
        stamps.append(start)
        stamps.append(finish)
    TRACE.append(array("d", stamps))  # [gt:trace]
    ALLOCATED["events"] += sys.getsizeof(events) + sum(
        sys.getsizeof(e) + sys.getsizeof(e[0]) + sys.getsizeof(e[1]) for e in events)
    ALLOCATED["finish"] += sys.getsizeof(0.0) * (len(stamps) // 2)
    return waited, abandoned


def run(n):
    rng = random.Random(31337)
    agents = [(0.0, a) for a in range(AGENTS)]
    heapq.heapify(agents)
    waited = 0.0
    abandoned = 0
    for t in range(n):
        w, a = tick(rng, float(t), agents)
        waited += w
        abandoned += a
    return waited, abandoned


def expected():
    me = os.path.abspath(__file__)
    kept = sys.getsizeof(TRACE) - sys.getsizeof([]) + sum(map(sys.getsizeof, TRACE))
    truth = {str(lineof(me, "trace")): {"kind": "leak", "mb": round(kept / MB, 2), "kept_mb": round(kept / MB, 2),
                                        "ticks": len(TRACE)}}
    for tag in ("events", "finish"):
        truth[str(lineof(me, tag))] = {"kind": "churn", "mb": 0.0, "kept_mb": 0.0,
                                       "allocated_mb": round(ALLOCATED[tag] / MB, 1)}
    return truth


def main():
    me = os.path.abspath(__file__)
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        run(50)
        measured = traced_by_line(tracemalloc.take_snapshot(), me)
        tracemalloc.stop()
        want = expected()
        total = sum(v for v in measured.values() if v > 0)
        others = {k: v for k, v in measured.items() if k not in want}
        top = max(others.items(), key=lambda kv: kv[1], default=("-", 0.0))
        unl_ok = top[1] < 0.02 * total
        print("VERIFY largest unlabelled line %s keeps %.3f MB (%.2f %% of %.2f MB) %s" % (
            top[0], top[1], 100 * top[1] / total, total, "ok" if unl_ok else "MISMATCH"))
        if not check(want, measured) or not unl_ok:
            print("VERIFY FAIL")
        return
    t0, c0 = time.perf_counter(), time.process_time()
    run(TICKS)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    truth = expected()
    for v in truth.values():
        if v["kind"] == "leak":
            v["rate_mb_per_s_measured"] = round(v["mb"] / dt, 2)
            v["rate_mb_per_cpu_s_measured"] = round(v["mb"] / dc, 2)
        else:
            v["churn_mb_per_cpu_s_measured"] = round(v["allocated_mb"] / dc, 1)
    emit(truth)


if __name__ == "__main__":
    main()
