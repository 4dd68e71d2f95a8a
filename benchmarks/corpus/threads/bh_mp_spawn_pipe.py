#!/usr/bin/env python3
"""Distributed n-gram statistics over Pipes (spawn start method).

The parent talks to two spawned workers over duplex Pipes in lock-step
rounds: it hands each worker a chunk descriptor, merges the previous round's
tables while the workers compute, and then blocks on recv() for the answers.
Workers block on recv() between rounds.
"""
import json
import math
import multiprocessing as mp
import time

N_WORKERS = 2
N_ROUNDS = 10
CHUNK_CHARS = 120000
ALPHABET = "etaoinsh rdlu"

_cpu = {}


def _tally(name, t0):
    _cpu[name] = _cpu.get(name, 0.0) + (time.thread_time() - t0)


def count_ngrams(seed, n_chars):
    t0 = time.thread_time()
    state = seed
    chars = []
    for _ in range(n_chars):
        state = (state * 214013 + 2531011) & 0xFFFFFFFF
        chars.append(ALPHABET[(state >> 16) % len(ALPHABET)])
    text = "".join(chars)
    table = {}
    for i in range(len(text) - 2):
        g = text[i:i + 3]
        if " " in g:
            continue
        table[g] = table.get(g, 0) + 1
    _tally("count_ngrams", t0)
    return table


def score_table(table):
    t0 = time.thread_time()
    total = 0
    for v in table.values():
        total += v
    score = 0.0
    for _ in range(40):
        for g, v in table.items():
            w = 1.0
            for ch in g:
                w *= 1.0 + (ord(ch) % 7) * 0.01
            score += w * v / total
    _tally("score_table", t0)
    return score


def merge_tables(merged, tables):
    t0 = time.thread_time()
    for table in tables:
        for g, v in table.items():
            merged[g] = merged.get(g, 0) + v
    grand = sum(merged.values())
    entropy = 0.0
    for _ in range(40):
        entropy = 0.0
        for g, v in merged.items():
            p = v / grand
            entropy -= p * math.log(p)
        ranked = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
    _tally("merge_tables", t0)
    return entropy, ranked[:3]


def worker(conn):
    while True:
        msg = conn.recv()
        if msg is None:
            conn.send(("cpu", dict(_cpu)))
            conn.close()
            return
        seed, n_chars = msg
        table = count_ngrams(seed, n_chars)
        conn.send(("table", table, score_table(table)))


def main():
    ctx = mp.get_context("spawn")
    conns = []
    procs = []
    for i in range(N_WORKERS):
        parent_end, child_end = ctx.Pipe()
        p = ctx.Process(target=worker, args=(child_end,), name="ngram-%d" % i)
        p.start()
        child_end.close()
        conns.append(parent_end)
        procs.append(p)

    merged = {}
    pending = []
    scores = []
    entropy, top = 0.0, []
    for r in range(N_ROUNDS):
        for i, c in enumerate(conns):
            c.send((r * 1000 + i * 7 + 1, CHUNK_CHARS))
        if pending:
            entropy, top = merge_tables(merged, pending)
        pending = []
        for c in conns:
            kind, table, score = c.recv()
            pending.append(table)
            scores.append(score)
    entropy, top = merge_tables(merged, pending)

    totals = dict(_cpu)
    for c in conns:
        c.send(None)
        kind, child_cpu = c.recv()
        for name, secs in child_cpu.items():
            totals[name] = totals.get(name, 0.0) + secs
        c.close()
    for p in procs:
        p.join()

    print("entropy=%.5f top=%s mean_score=%.4f" % (entropy, top, sum(scores) / len(scores)))
    print("GROUND_TRUTH " + json.dumps(totals))


if __name__ == "__main__":
    main()
