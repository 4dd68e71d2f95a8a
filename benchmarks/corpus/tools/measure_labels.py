"""Measure per-line CPU shares of a corpus program with two exact
out-of-process samplers (py-spy and Austin).

Attribution rule: each sample is charged to the DEEPEST frame that lies in
the program's own file (so time inside stdlib Python wrappers such as
json.dumps or re.findall is charged to the program line that called them,
and time in a program-defined callee is charged to the callee's line).
Denominator: samples that contain at least one frame of the program file
(interpreter start-up and import time are excluded).
py-spy shares are sample counts; Austin shares are weighted by the sampled
CPU-time delta (microseconds) that Austin records per sample.

Usage:
  python3 measure_labels.py PROG.py [--runs N] [--pyspy PATH] [--austin PATH]
                            [--python PYTHON] [--out result.json]
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

FRAME_RE = re.compile(r"^(.*) \((.*):(\d+)\)$")


def _leaf_line(frames, prog):
    """frames: list of (file, line) root->leaf. Deepest frame in prog."""
    for f, ln in reversed(frames):
        if os.path.realpath(f) == prog:
            return ln
    return None


def pyspy_shares(pyspy, python, prog):
    with tempfile.TemporaryDirectory() as td:
        out = os.path.join(td, "raw.txt")
        subprocess.run([pyspy, "record", "-r", "1000", "--nonblocking", "-f", "raw",
                        "--full-filenames", "-o", out, "--", python, prog],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        counts = collections.Counter()
        with open(out) as fh:
            for raw in fh:
                raw = raw.rstrip("\n")
                if not raw:
                    continue
                stack, _, n = raw.rpartition(" ")
                frames = []
                for fr in stack.split(";"):
                    m = FRAME_RE.match(fr)
                    if m:
                        frames.append((m.group(2), int(m.group(3))))
                ln = _leaf_line(frames, prog)
                if ln is not None:
                    counts[ln] += int(n)
    return counts


def austin_shares(austin, python, prog):
    with tempfile.TemporaryDirectory() as td:
        out = os.path.join(td, "out.austin")
        subprocess.run([austin, "-s", "-i", "1ms", "-o", out, python, prog],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        counts = collections.Counter()
        with open(out) as fh:
            for raw in fh:
                if not raw.startswith("P"):
                    continue
                stack, _, metric = raw.rstrip("\n").rpartition(" ")
                parts = stack.split(";")[2:]
                frames = []
                for fr in parts:
                    bits = fr.rsplit(":", 2)
                    if len(bits) == 3 and bits[2].isdigit():
                        frames.append((bits[0], int(bits[2])))
                ln = _leaf_line(frames, prog)
                if ln is not None:
                    counts[ln] += int(metric)
    return counts


def normalise(counts):
    total = float(sum(counts.values())) or 1.0
    return {ln: c / total for ln, c in counts.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("prog")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--pyspy", default="py-spy")
    ap.add_argument("--austin", default="austin")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--out")
    ap.add_argument("--top", type=int, default=8)
    a = ap.parse_args()
    prog = os.path.realpath(a.prog)
    src = open(prog).read().splitlines()
    runs = {"pyspy": [], "austin": []}
    for _ in range(a.runs):
        runs["pyspy"].append(normalise(pyspy_shares(a.pyspy, a.python, prog)))
        runs["austin"].append(normalise(austin_shares(a.austin, a.python, prog)))
    lines = set()
    for rs in runs.values():
        for r in rs:
            lines.update(r)
    rows = []
    for ln in lines:
        p = [r.get(ln, 0.0) for r in runs["pyspy"]]
        q = [r.get(ln, 0.0) for r in runs["austin"]]
        rows.append({"line": ln, "code": src[ln - 1].strip(),
                     "pyspy_runs": [round(x, 4) for x in p],
                     "austin_runs": [round(x, 4) for x in q],
                     "pyspy_share": round(sum(p) / len(p), 4),
                     "austin_share": round(sum(q) / len(q), 4)})
    rows.sort(key=lambda r: -(r["pyspy_share"] + r["austin_share"]))
    res = {"program": os.path.basename(prog), "runs": a.runs, "lines": rows}
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(res, fh, indent=1)
    for r in rows[:a.top]:
        print("%4d  pyspy %5.1f%% %s  austin %5.1f%% %s  %s" % (
            r["line"], 100 * r["pyspy_share"], [round(100 * x, 1) for x in r["pyspy_runs"]],
            100 * r["austin_share"], [round(100 * x, 1) for x in r["austin_runs"]], r["code"][:60]))


if __name__ == "__main__":
    main()
