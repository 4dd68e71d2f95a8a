"""Measure the labels of the anti-pattern corpus.

Usage (from the repository root, with the project's virtual environment):

    .venv/bin/python benchmarks/corpus/antipatterns/tools/measure.py [--s4] [PROGRAM ...]
    (--s4: the labels of tools/spec_s4.py, split holdout-s4, py-spy at 500 Hz)

For every program in tools/spec.py (or only the ones named) it
  1. runs the program twice (PYTHONHASHSEED=0 and 1) and checks the output is identical;
  2. records it with py-spy (1000 Hz, --nonblocking, raw format) and attributes every
     sample to lines of the program: `share` counts a sample for a label when any frame
     of the program's own file in that stack lies in the label's line span (inclusive
     cost of the span, each sample counted once); `share_self` counts it only when the
     deepest frame of the program's file lies in the span;
  3. writes the fixed variant of each label that has a `fix` (fixed/<name>.fixed_<k>.py),
     checks its output is byte-identical and times base and fixed variants (3 interleaved
     rounds, median of child CPU time) -> fix_speedup;
  4. writes the naive rewrite of each unsafe decoy (unsafe/<name>.naive_<k>.py) and records
     whether it raises or changes the output (run with PYTHONHASHSEED=0 and 1);
  5. merges everything into LABELS.json and measurements.json.
No absolute path is written into the output files.
"""
import json
import resource
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(HERE, "tools"))
S4 = "--s4" in sys.argv  # the second holdout (holdout-s4): its own label file, measured at 500 Hz
if S4:
    sys.argv.remove("--s4")
    from spec_s4 import SPEC  # noqa: E402

    def split_of(name):
        return "holdout-s4"
else:
    from spec import SPEC, split_of  # noqa: E402
RATE = "500" if S4 else "1000"

PY = sys.executable
PYSPY = shutil.which("py-spy") or os.path.join(os.path.dirname(PY), "py-spy")


def run(path, seed="0", timeout=120):
    """Returns (rc, stdout, stderr, cpu seconds of the child: user + sys).
    CPU time rather than wall time: the measuring machine is shared and loaded."""
    env = dict(os.environ, PYTHONHASHSEED=seed)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([PY, path], capture_output=True, text=True, env=env, timeout=timeout, cwd=HERE)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return p.returncode, p.stdout, p.stderr, cpu


def find_span(lines, lab, name):
    hits = [i for i, l in enumerate(lines) if lab["start"] in l]
    if len(hits) != 1:
        raise SystemExit(f"{name}: start anchor {lab['start']!r} matches {len(hits)} lines")
    first = hits[0]
    last = first
    if lab.get("end"):
        ends = [i for i in range(first, len(lines)) if lab["end"] in lines[i]]
        if not ends:
            raise SystemExit(f"{name}: end anchor {lab['end']!r} not found")
        last = ends[0]
    return first + 1, last + 1


def apply(src, repl, name):
    for old, new in repl:
        n = src.count(old)
        if n != 1:
            raise SystemExit(f"{name}: replacement source {old!r} found {n} times")
        src = src.replace(old, new)
    return src


def profile(path):
    with tempfile.TemporaryDirectory() as td:
        out = os.path.join(td, "raw.txt")
        subprocess.run([PYSPY, "record", "-r", RATE, "--nonblocking", "-f", "raw",
                        "--full-filenames", "-o", out, "--", PY, path],
                       capture_output=True, text=True, cwd=HERE, check=True)
        stacks = []
        with open(out) as f:
            for line in f:
                line = line.rstrip("\n")
                if not line:
                    continue
                stack, _, count = line.rpartition(" ")
                frames = []
                for fr in stack.split(";"):
                    loc = fr[fr.rfind("(") + 1:-1]
                    fn, _, ln = loc.rpartition(":")
                    if os.path.abspath(fn) == os.path.abspath(path) and ln.isdigit():
                        frames.append(int(ln))
                stacks.append((frames, int(count)))
    return stacks


def shares(stacks, span):
    total = sum(c for _, c in stacks) or 1
    a, b = span
    inc = sum(c for fr, c in stacks if any(a <= x <= b for x in fr))
    slf = sum(c for fr, c in stacks if fr and a <= fr[-1] <= b)
    return inc / total, slf / total, total


def main():
    names = sys.argv[1:] or sorted(SPEC)
    lab_path = os.path.join(HERE, "LABELS.json")
    meas_path = os.path.join(HERE, "measurements.json")
    labels = json.load(open(lab_path)) if os.path.exists(lab_path) else {}
    meas = json.load(open(meas_path)) if os.path.exists(meas_path) else {}
    os.makedirs(os.path.join(HERE, "fixed"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "unsafe"), exist_ok=True)
    for name in names:
        spec = SPEC[name]
        path = os.path.join(HERE, name)
        src = open(path).read()
        lines = src.splitlines()
        stem = name[:-3]
        rc0, out0, err0, t0 = run(path, "0")
        rc1, out1, err1, _ = run(path, "1")
        assert rc0 == 0, (name, err0)
        assert out0 == out1, f"{name}: output depends on the hash seed"
        stacks = profile(path)
        rec = {"runtime_s": round(t0, 3), "output": out0, "labels": []}
        out_labels = []
        fixed_paths = []
        for k, lab in enumerate(spec, 1):
            span = find_span(lines, lab, name)
            inc, slf, total = shares(stacks, span)
            entry = {"lines": list(span), "family": lab["family"], "hot": lab["hot"],
                     "share": round(slf if lab.get("measure") == "self" else inc, 4),
                     "share_inclusive": round(inc, 4), "share_self": round(slf, 4),
                     "fix_speedup": None, "unsafe_fix": bool(lab.get("unsafe")),
                     "note": lab["note"]}
            if not lab["hot"]:
                entry["decoy_kind"] = lab.get("kind", "unsafe" if lab.get("unsafe") else "cold")
            m = {"k": k, "samples_total": total}
            if lab.get("fix"):
                fpath = os.path.join(HERE, "fixed", f"{stem}.fixed_{k}.py")
                with open(fpath, "w") as f:
                    f.write(apply(src, lab["fix"], name))
                fixed_paths.append((k, fpath, entry, m))
            if lab.get("naive"):
                npath = os.path.join(HERE, "unsafe", f"{stem}.naive_{k}.py")
                with open(npath, "w") as f:
                    f.write(apply(src, lab["naive"], name))
                res = []
                for seed in ("0", "1"):
                    rc, no, ne, _ = run(npath, seed)
                    if rc != 0:
                        res.append("raises " + (ne.strip().splitlines() or ["?"])[-1][:120])
                    elif no != out0:
                        res.append("output differs")
                    else:
                        res.append("same output")
                m["naive_fix_result"] = res
                entry["naive_fix_result"] = sorted(set(res))
                if all(r == "same output" for r in res):
                    print(f"!! {name} label {k}: naive fix did not break")
            out_labels.append(entry)
            rec["labels"].append(m)
        if fixed_paths:
            times = {"base": []}
            for k, *_ in fixed_paths:
                times[k] = []
            ident = {k: True for k, *_ in fixed_paths}
            for _ in range(3):
                times["base"].append(run(path)[3])
                for k, fpath, _, _ in fixed_paths:
                    rc, fo, fe, t = run(fpath)
                    times[k].append(t)
                    if rc != 0 or fo != out0:
                        ident[k] = False
                        print(f"!! {name} label {k}: fixed output differs rc={rc} {fe[-300:]}\n{fo}\nvs\n{out0}")
            base = statistics.median(times["base"])
            rec["base_times"] = [round(t, 3) for t in times["base"]]
            for k, fpath, entry, m in fixed_paths:
                med = statistics.median(times[k])
                m["fixed_times"] = [round(t, 3) for t in times[k]]
                m["fixed_identical"] = ident[k]
                entry["fixed_output_identical"] = ident[k]
                entry["fix_speedup"] = round(base / med, 2)
                entry["fixed_file"] = os.path.relpath(fpath, HERE)
        for e in out_labels:
            flag = ""
            if e["hot"] and e["share"] < 0.05:
                flag = "  <-- HOT BELOW 5%"
            if not e["hot"] and e.get("decoy_kind") == "cold" and e["share"] >= 0.005:
                flag = "  <-- COLD DECOY ABOVE 0.5%"
            print(f"{name}:{e['lines']} {e['family']} hot={e['hot']} share={e['share']:.3f} "
                  f"self={e['share_self']:.3f} speedup={e['fix_speedup']} {e.get('naive_fix_result','')}{flag}")
        print(f"{name}: runtime {t0:.2f}s output={out0.strip()[:80]!r}")
        labels[name] = {"split": split_of(name), "labels": out_labels}
        meas[name] = rec
        json.dump(labels, open(lab_path, "w"), indent=1, sort_keys=True)
        json.dump(meas, open(meas_path, "w"), indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
