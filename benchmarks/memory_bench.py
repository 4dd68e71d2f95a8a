"""Memory per line in the default mode (py-spy from outside), scored on the blind memory corpus, and what memory
attribution costs.

`python -m benchmarks.memory_bench [--glob 'ho_*.py'] [--skip-overhead] [--reps N] [--json OUT] [--md OUT]`
(default: the dev programs; `ho_*` and `ho2_*` are holdouts, each scored once at the end of the session that added it)

- Corpus: every program in benchmarks/corpus/memory/ prints its truth (`GROUND_TRUTH {line: {kind, mb, ...}}`,
  requested bytes from sys.getsizeof, checked with tracemalloc). Measured: the line's peak, the most live from
  it at any time (the programs free everything when main() returns, so "kept at end" is 0 for a kept line
  that is right; it is shown too, and the last point of the line's live series is in the JSON as held_mb).
  A `leak` line must also get a leak finding; a `plateau` line must not.
  Other lines that got >= 5 MB are listed (memory put elsewhere).
- Overhead: CPU-bound programs of the attribution corpus (flat memory) and two memory programs whose memory
  grows all along; interleaved runs of the program alone, and through heatlens's runner with memory off and
  on: the CPU seconds of the program's own process (on a shared machine wall time is mostly others' load).
Timings depend on the machine's load: repeat, and read the medians.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

from benchmarks.common import HERE, median
from heatlens.analysis import leaks

MEMORY = HERE / "corpus" / "memory"
# CPU-bound programs with flat memory (no window is asked for), and two whose memory grows all along
CPU_PROGRAMS = ["attribution/dedup_emails.py", "attribution/matmul_pure.py", "attribution/json_munging.py",
                "memory/steady_leak.py", "memory/small_objects.py"]
TRANSIENT = ("peak_transient", "churn")


def profile(path: Path, memory: str) -> Any:
    from heatlens.backends.base import BackendOptions, Target
    from heatlens.run.runner import RunOptions, profile_target_sync

    target = Target("script", str(path), cwd=str(path.parent))
    return profile_target_sync(target, RunOptions(backend="pyspy", timeout=300,
                                                  backend_options=BackendOptions(memory=memory)))


def score(path: Path) -> Dict[str, Any]:
    """Truth vs measured per line of one program."""
    result = profile(path, "sampled")
    truth_line = next((ln for ln in result.stdout.splitlines() if ln.startswith("GROUND_TRUTH")), "")
    if not truth_line or result.profile is None:
        return {"program": path.stem, "error": str(result.failure)}
    truth = json.loads(truth_line.split(" ", 1)[1])
    measured = {s.line: s for f in result.profile.files if f.path == str(path) for s in f.lines}
    # live just before the program's exit freed it (the live series' last point): what a kept line kept
    held = {t.line: t.live_mb[-1] for t in result.profile.line_memory_series if t.file == str(path) and t.live_mb}
    found = leaks.detect_in_profile(result.profile)
    leaking = {k.line for k in found if k.file == str(path)}
    rows = []
    for line, spec in sorted(truth.items(), key=lambda kv: int(kv[0])):
        got = measured.get(int(line))
        kept = 0.0 if got is None else got.mem_net_mb
        peak = 0.0 if got is None else got.mem_peak_mb
        transient = spec["kind"] in TRANSIENT
        want = spec.get("peak_transient_mb", spec["mb"]) if transient else spec["mb"]
        score = peak  # see the module's docstring
        rows.append({"line": int(line), "kind": spec["kind"], "truth_mb": want, "measured_mb": round(score, 1),
                     "peak_mb": round(peak, 1), "kept_mb": round(kept, 1), "held_mb": round(held.get(int(line), 0.0), 1),
                     "leak_found": int(line) in leaking})
    others = sorted(((s.line, round(s.mem_peak_mb, 1)) for s in measured.values()
                     if str(s.line) not in truth and s.mem_peak_mb >= 5), key=lambda x: -x[1])
    return {"program": path.stem, "rows": rows, "other_lines": others,
            "other_leaks": [(k.file, k.line) for k in found if k.file != str(path) or k.line not in {r["line"] for r in rows}]}


def dev_programs(folder: Path) -> List[Path]:
    """The programs developed against: all but helpers (_*) and the holdouts (ho_*, ho2_*: scored once at the end)."""
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith(("_", "ho")))


def overhead(reps: int) -> List[Dict[str, Any]]:
    """Interleaved: the program alone, memory off, memory on. CPU seconds of the program's own process (this
    machine is shared: wall time is mostly other people's load), and the CPU its allocation samples traced."""
    import re
    import resource

    runs: Dict[str, Dict[str, List[float]]] = {p: {"alone": [], "off": [], "sampled": [], "traced": []} for p in CPU_PROGRAMS}
    for _ in range(reps):
        for name in CPU_PROGRAMS:
            path = HERE / "corpus" / name
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([sys.executable, str(path)], cwd=path.parent, stdout=subprocess.DEVNULL, check=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            runs[name]["alone"].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            for memory in ("off", "sampled"):
                result = profile(path, memory)
                runs[name][memory].append(result.profile.meta.cpu_time)
                if memory == "sampled":
                    said = [re.search(r"traced (\d+) ms", n) for n in result.profile.meta.notes]
                    runs[name]["traced"].append(sum(int(m.group(1)) for m in said if m) / 1000)
    return [{"program": p, **{k: round(median(v), 3) for k, v in t.items()}, "runs": reps} for p, t in runs.items()]


def render(programs: List[Dict[str, Any]], costs: List[Dict[str, Any]], title: str) -> str:
    # held: live just before the program's exit freed it; for a kept line, what it keeps (a dict's peak also
    # holds its old table during its last resize)
    out = [f"## {title}", "", "| program | line | kind | truth MB | measured MB | kept at end | leak reported | error | "
           "held MB | error (held) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for p in programs:
        for r in p.get("rows", []):
            err = (r["measured_mb"] - r["truth_mb"]) / r["truth_mb"] if r["truth_mb"] >= 1 else None
            held = r.get("held_mb", 0.0)
            kept_kind = r["truth_mb"] >= 1 and r["kind"] not in TRANSIENT  # a transient holds nothing at the end
            held_err = (held - r["truth_mb"]) / r["truth_mb"] if kept_kind else None
            out.append(f"| {p['program']} | {r['line']} | {r['kind']} | {r['truth_mb']} | {r['measured_mb']} | "
                       f"{r['kept_mb']} | {'yes' if r['leak_found'] else 'no'} | "
                       f"{'%+.0f %%' % (100 * err) if err is not None else '%.1f MB' % r['measured_mb']} | {held} | "
                       f"{'%+.0f %%' % (100 * held_err) if held_err is not None else '-'} |")
        if p.get("error"):
            out.append(f"| {p['program']} | | | | | | | failed: {p['error']} | | |")
    out.append("")
    for p in programs:
        if p.get("other_lines") or p.get("other_leaks"):
            out.append(f"- {p['program']}: other lines >= 5 MB {p.get('other_lines')}; other leak findings "
                       f"{p.get('other_leaks')}")
    if costs:
        out += ["", "Program CPU seconds (its own process), median of interleaved runs; traced: CPU the allocation "
                "samples traced (their cost is at most this).", "",
                "| program | alone | memory off | memory on | traced | on / off | on / alone |", "|---|---|---|---|---|---|---|"]
        for c in costs:
            out.append(f"| {c['program']} | {c['alone']} | {c['off']} | {c['sampled']} | {c['traced']} | "
                       f"{c['sampled'] / c['off']:.3f} | {c['sampled'] / c['alone']:.3f} |")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--glob", default="", help="programs to score (default: the dev set, all but _* and the holdouts ho_* and ho2_*)")
    ap.add_argument("--skip-overhead", action="store_true")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--title", default="Memory per line, default mode")
    ap.add_argument("--json")
    ap.add_argument("--md")
    args = ap.parse_args()
    programs = []
    for path in sorted(MEMORY.glob(args.glob)) if args.glob else dev_programs(MEMORY):
        programs.append(score(path))
        print(json.dumps(programs[-1]), flush=True)
    costs = [] if args.skip_overhead else overhead(args.reps)
    text = render(programs, costs, args.title)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps({"programs": programs, "overhead": costs}, indent=1))
    if args.md:
        Path(args.md).write_text(text)


if __name__ == "__main__":
    main()
