#!/usr/bin/env python3
"""Parent/child line protocol over a subprocess's stdin/stdout.

The parent launches `python this_file.py --child`, writes one request per
line, prepares the next request while the child works on the current one,
then blocks reading the child's reply. A helper thread drains the child's
stderr (and spends nearly all its life blocked in readline). The child
reports its own per-function CPU in a final "CPU {...}" line.
"""
import json
import subprocess
import sys
import threading
import time

N_REQUESTS = 320
FIELDS_PER_REQUEST = 1200

_cpu = {}


def _book(name, t0):
    _cpu[name] = _cpu.get(name, 0.0) + (time.thread_time() - t0)


# ---------------------------------------------------------------- child side

def score_line(line):
    t0 = time.thread_time()
    total = 0
    longest = 0
    vowels = 0
    for field in line.split(","):
        name, _, num = field.partition(":")
        n = 0
        for d in num:
            n = n * 10 + (ord(d) - 48)
        for ch in name:
            if ch in "aeiou":
                vowels += 1
        total = (total * 7 + n * len(name)) % 1000000007
        if len(name) > longest:
            longest = len(name)
    acc = total
    for i in range(15000):
        acc = (acc * 48271 + i) % 2147483647
    _book("score_line", t0)
    return "%d %d %d %d" % (total, longest, vowels, acc)


def child_main():
    out = sys.stdout
    for raw in sys.stdin:
        line = raw.rstrip("\n")
        if line == "QUIT":
            break
        out.write(score_line(line) + "\n")
        out.flush()
    sys.stderr.write("child: done\n")
    out.write("CPU " + json.dumps(_cpu) + "\n")
    out.flush()


# --------------------------------------------------------------- parent side

def build_request(i):
    t0 = time.thread_time()
    parts = []
    state = i * 977 + 13
    for f in range(FIELDS_PER_REQUEST):
        state = (state * 69069 + 1) & 0xFFFFFFFF
        name_len = 3 + state % 9
        name = ""
        s = state
        for _ in range(name_len):
            name += "abcdefghijklmnopqrstuvwxyz"[s % 26]
            s //= 26
            if s == 0:
                s = state + f
        parts.append(name + ":" + str(state % 100000))
    req = ",".join(parts)
    _book("build_request", t0)
    return req


def fold_reply(summary, reply):
    t0 = time.thread_time()
    total, longest, vowels, acc = (int(x) for x in reply.split())
    summary["n"] += 1
    summary["longest"] = max(summary["longest"], longest)
    h = summary["hash"]
    for k in range(12000):
        h = (h * 31 + (total ^ k) + vowels) & 0xFFFFFFFFFFFF
    summary["hash"] = h ^ acc
    _book("fold_reply", t0)


def drain_stderr(stream, sink):
    for line in stream:
        sink.append(line.rstrip("\n"))


def main():
    child = subprocess.Popen(
        [sys.executable, __file__, "--child"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, bufsize=1)
    err_lines = []
    drainer = threading.Thread(target=drain_stderr, args=(child.stderr, err_lines),
                               name="stderr-drain", daemon=True)
    drainer.start()

    summary = {"n": 0, "longest": 0, "hash": 0}
    next_req = build_request(0)
    for i in range(N_REQUESTS):
        child.stdin.write(next_req + "\n")
        child.stdin.flush()
        if i + 1 < N_REQUESTS:
            next_req = build_request(i + 1)     # overlap with the child's work
        reply = child.stdout.readline()         # block until the child answers
        fold_reply(summary, reply)
    child.stdin.write("QUIT\n")
    child.stdin.flush()
    child.stdin.close()

    child_cpu = {}
    for line in child.stdout:
        if line.startswith("CPU "):
            child_cpu = json.loads(line[4:])
    child.wait()
    drainer.join(timeout=5)

    totals = dict(_cpu)
    for name, secs in child_cpu.items():
        totals[name] = totals.get(name, 0.0) + secs
    print("requests=%d longest=%d hash=%x stderr=%r" % (
        summary["n"], summary["longest"], summary["hash"], err_lines))
    print("GROUND_TRUTH " + json.dumps(totals))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main()
    else:
        main()
