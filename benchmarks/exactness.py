"""Are the default mode's numbers where the time really went? Measured on programs nobody here tuned to.

`python -m benchmarks.exactness [--quick] [--split dev|holdout|all] [--only NAME,..] [--out-dir DIR]`

For every program (the blind corpus in benchmarks/corpus/attribution/, and pyperformance's benchmarks run as
pyperf workers), one run each of: heatlens' default mode (through its runner, backend `auto`), the in-process
agent (the fallback, for comparison), Austin 3.7 (`austin -s`), an out-of-process sampler that shares no code
with py-spy, and twice `py-spy record` pausing the program for each read (the exact reference: Austin, reading
while the program runs, tears the stacks of calls that last microseconds). Per program, against each reference:
- line TV: total-variation distance between the tool's and the reference's CPU distributions over the program's own
  lines (0 = the same, 1 = disjoint; two runs of one exact sampler differ by sampling noise alone);
- function pp: the largest difference, in percentage points, between the two self-time shares of any function.
Memory: the corpus's memory programs print their truth (`GROUND_TRUTH {line: MB}`); the error is per line.
Writes EXACTNESS.md (and exactness.json) in --out-dir (default: benchmarks/). Needs the `bench` extra
(pyperformance, austin-dist). No test asserts these numbers; tests/benchmarks runs it in --quick mode.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from benchmarks.common import HERE, median
from heatlens.analysis import leaks
from heatlens.backends.base import BackendOptions
from heatlens.options import MEMORY_MODES
from heatlens.backends.callsite import make_is_outside, paying_line
from heatlens.backends.pyspy import DEFAULT_RATE, find_pyspy
from heatlens.backends.pyspy_parse import parse_frame, parse_raw_line, records

CORPUS = HERE / "corpus"
# pyperformance benchmarks that need nothing beyond pyperf, with pyperf loop counts for ~2.3 s a value here (3
# values: ~7 s of work a run). Line TV over a benchmark's hundreds of lines is dominated by sampling noise below
# a few thousand samples: at ~2 s a run, Austin against itself differed by 0.08 TV (median).
PYPERF: Dict[str, int] = {
    "nbody": 16, "spectral_norm": 12, "richards": 29, "fannkuch": 7, "float": 31, "chaos": 37, "deltablue": 687,
    "go": 19, "hexiom": 400, "raytrace": 4, "nqueens": 24, "unpack_sequence": 110000, "generators": 46,
    "coroutines": 98, "deepcopy": 6200, "json_dumps": 197, "json_loads": 2771, "logging": 10455, "pickle": 14000,
    "regex_effbot": 38, "regex_v8": 69, "scimark": 2, "telco": 350, "xml_etree": 3, "pyflate": 4,
    "meteor_contest": 14, "pidigits": 6, "mdp": 1, "async_generators": 8, "sqlite_synth": 500000,
}
PYPERF_VALUES = {"mdp": 1}  # values (-n) where one loop is already ~7 s; else 3
PYPERF_ARGS = {"pickle": ["pickle"]}  # the sub-benchmark pyperformance's manifest passes (it needs one)

Dist = Dict[Tuple[str, int], float]


def pyperf_dir() -> Optional[Path]:
    try:
        import pyperformance
    except ImportError:
        return None
    return Path(pyperformance.__file__).parent / "data-files" / "benchmarks"


def programs(split: str, quick: bool) -> List[Tuple[str, List[str], Path]]:
    """(name, argv after the interpreter, folder whose files are "the program") for each program."""
    out = []
    manifest = CORPUS / "attribution" / "MANIFEST.json"
    entries = json.loads(manifest.read_text()).get("programs", []) if manifest.is_file() else []
    for entry in sorted(entries, key=lambda e: e["program"]):
        path = CORPUS / "attribution" / entry["program"]
        if (split == "all" or entry.get("split") == split) and path.is_file():
            out.append((path.stem, [str(path)], path.parent))
    bench = pyperf_dir()
    for k, (name, loops) in enumerate(sorted(PYPERF.items()) if bench else []):
        script = bench / f"bm_{name}" / "run_benchmark.py"
        if (split == "all" or split == ("holdout" if k % 3 == 2 else "dev")) and script.is_file():
            values = 1 if quick else PYPERF_VALUES.get(name, 3)
            argv = [str(script), "--worker", "-l", str(1 if quick else loops), "-n", str(values), "-w", "0",
                    "-p", "1", "--inherit-environ", "PATH", *PYPERF_ARGS.get(name, [])]
            out.append((f"pyperf:{name}", argv, script.parent))
    return out[:4] if quick else out


def heatlens_dist(argv: List[str], folder: Path, backend: str, memory: str = "off") -> Tuple[Dist, Dist, object]:
    """(line CPU, function self CPU, profile) of one run through heatlens' runner."""
    from heatlens.backends.base import BackendOptions, Target
    from heatlens.run.runner import RunOptions, profile_target_sync

    target = Target("script", argv[0], args=argv[1:], cwd=str(folder))
    result = profile_target_sync(target, RunOptions(backend=backend, timeout=120,
                                                    backend_options=BackendOptions(memory=memory)))
    lines: Dist = defaultdict(float)
    funcs: Dist = defaultdict(float)
    profile = result.profile
    if profile is None:
        return {}, {}, result
    for f in profile.files:
        if f.path.startswith(str(folder)):
            for s in f.lines:
                lines[(f.path, s.line)] += s.cost  # own CPU + the library code it calls, as the editor paints
    is_outside = make_is_outside((str(folder),))
    for fn in profile.functions:
        funcs[function_key(fn.file, fn.qualname, is_outside)] += fn.self_time
    return dict(lines), dict(funcs), result


def austin_dist(argv: List[str], folder: Path) -> Tuple[Dist, Dist]:
    """(line CPU, function self CPU) from Austin's CPU-time samples of the same program."""
    austin = shutil.which("austin") or str(Path(sys.executable).parent / "austin")
    text = ""
    for _ in range(3):  # on a loaded machine Austin sometimes records nothing, or stops after the imports
        cpu = _children_cpu()
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.austin"
            subprocess.run([austin, "-s", "-i", "1ms", "-o", str(out), sys.executable, *argv], cwd=folder,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
            text = out.read_text(errors="replace") if out.is_file() else ""
        if complete(text, _children_cpu() - cpu):
            break
    return parse_austin(text, argv[0], folder)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def complete(text: str, cpu: float) -> bool:
    """Did Austin sample the whole run? Its samples (`-s`: time on a core or waiting for one) cover at least
    the program's CPU time; a run it lost track of after the imports (seen under load) has a fraction of it.
    `cpu`: what the run used, Austin included (~5 %)."""
    sampled = sum(int(m) for m in (row.rpartition(" ")[2] for row in text.splitlines() if row and row[0] != "#")
                  if m.isdigit()) / 1e6
    return sampled > 0 and sampled >= 0.5 * cpu


def paused_dist(argv: List[str], folder: Path) -> Tuple[Dist, Dist]:
    """(line CPU, function self CPU) from `py-spy record` run by hand at 500 Hz, pausing the program for each
    read: every stack is one moment's. Austin and a non-pausing py-spy read a stack while the program runs, and
    tear stacks of calls that last microseconds (a callee with a caller that has moved on)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "raw.txt"
        subprocess.run([find_pyspy() or "py-spy", "record", "-f", "raw", "-r", "500",
                        "--full-filenames", "-o", str(out), "--", sys.executable, *argv], cwd=folder,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        text = out.read_text(errors="replace") if out.is_file() else ""
    rows = []
    for names, count in filter(None, map(parse_raw_line, records(text))):
        frames = [parse_frame(n) for n in names if n]
        rows.append(([(f, q, ln) for q, f, ln, native in frames if not native], count / 500))
    return _charged(rows, argv[0], folder)


def parse_austin(text: str, script: str, folder: Path) -> Tuple[Dist, Dist]:
    """(line CPU, function self CPU) of Austin's output, charged by heatlens' call-site rule."""
    rows = []
    for row in text.splitlines():
        if not row or row.startswith("#"):
            continue
        stack, _, metric = row.rpartition(" ")
        frames = [f.rsplit(":", 2) for f in stack.split(";")[2:]]  # P<pid>;T<tid>;frames...
        frames = [(_austin_path(f[0], folder), f[1], int(f[2])) for f in frames if len(f) == 3 and f[2].isdigit()]
        if metric.isdigit():
            rows.append((frames, int(metric) / 1e6))
    return _charged(rows, script, folder)


def _charged(rows: List[Tuple[List[Tuple[str, str, int]], float]], script: str, folder: Path) -> Tuple[Dist, Dist]:
    """Stacks [(file, function, line) root→leaf] with their seconds, charged by heatlens' call-site rule."""
    lines: Dist = defaultdict(float)
    funcs: Dist = defaultdict(float)
    is_outside = make_is_outside((os.path.dirname(os.path.abspath(script)),))  # the script's folder: the program
    for frames, seconds in rows:
        if not frames or seconds <= 0:
            continue  # nothing the sampler could resolve (no line)
        if frames[0][0].startswith(("<frozen site>", "<frozen importlib")):
            continue  # the interpreter starting, before the program runs: heatlens leaves it out the same way
        file, func, line = frames[-1]
        funcs[function_key(file, func, is_outside)] += seconds
        # the line that pays, as heatlens paints it: the leaf when it is the program's, else the innermost
        # line of the program's own code that called into the library (computed here from the stacks)
        payer = (file, line) if not is_outside(file) else paying_line([(f, ln) for f, _, ln in frames], is_outside)
        if payer is not None and payer[0].startswith(str(folder)):
            lines[payer] += seconds
    return dict(lines), dict(funcs)


def function_key(file: str, qualname: str, is_outside: Callable[[str], bool]) -> Tuple[str, str]:
    """What a function's self time is compared under: (file name, name) for the program's functions, ("", name)
    for everyone else's. Austin 3.7 gives some library frames the wrong file (seen in 2 runs of 3: every frame of
    pyperf's _runner.py as datetime.py's, with the right names), so a library function's file is not compared."""
    return ("" if is_outside(file) else os.path.basename(file)), qualname.rsplit(".", 1)[-1]


def _austin_path(file: str, folder: Path) -> str:
    # a frozen or synthetic module (`<frozen importlib._bootstrap>`) stays as it is: joining its name onto the
    # folder would make it look like a file of the program
    return file if file.startswith("<") else os.path.normpath(os.path.join(folder, file))


def tv(a: Dist, b: Dist) -> float:
    ta, tb = sum(a.values()), sum(b.values())
    if ta <= 0 or tb <= 0:
        return float("nan")
    return 0.5 * sum(abs(a.get(k, 0) / ta - b.get(k, 0) / tb) for k in set(a) | set(b))


def max_pp(a: Dist, b: Dist) -> float:
    ta, tb = sum(a.values()), sum(b.values())
    if ta <= 0 or tb <= 0:
        return float("nan")
    return 100 * max(abs(a.get(k, 0) / ta - b.get(k, 0) / tb) for k in set(a) | set(b))


def top_diffs(a: Dist, b: Dist, n: int = 3) -> List[List[object]]:
    """The n keys whose shares differ most: [key, share in a %, share in b %] (to see what differs)."""
    ta, tb = sum(a.values()), sum(b.values())
    if ta <= 0 or tb <= 0:
        return []
    keys = sorted(set(a) | set(b), key=lambda k: -abs(a.get(k, 0) / ta - b.get(k, 0) / tb))[:n]
    return [[":".join(os.path.basename(str(x)) for x in k), round(100 * a.get(k, 0) / ta, 1),
             round(100 * b.get(k, 0) / tb, 1)] for k in keys]


def measure(split: str, quick: bool, only: Optional[List[str]] = None,
            memory: str = BackendOptions().memory) -> Dict[str, object]:
    """`memory`: the default mode's memory attribution (the product's default: `sampled`; its allocation
    windows run in the program, so they are part of what is scored)."""
    rows = []
    started, load = time.time(), [round(x, 1) for x in os.getloadavg()]
    for name, argv, folder in programs(split, quick):
        if only and not any(o in name for o in only):
            continue
        row: Dict[str, object] = {"program": name}
        try:  # Austin hung once on pyperformance's nqueens (300 s): that program is left out, the run goes on
            a_lines, a_funcs = austin_dist(argv, folder)
            again_lines, again_funcs = austin_dist(argv, folder)  # the reference against itself: sampling noise
        except subprocess.TimeoutExpired as exc:
            print(f"  {name}: left out, a reference did not finish ({exc.timeout:.0f} s)", flush=True)
            continue
        row["noise_line_tv"], row["noise_function_pp"] = tv(again_lines, a_lines), max_pp(again_funcs, a_funcs)
        p_lines, p_funcs = paused_dist(argv, folder)
        row["austin_vs_paused_line_tv"] = tv(a_lines, p_lines)
        again_lines, again_funcs = paused_dist(argv, folder)  # the exact reference against itself
        row["paused_noise_line_tv"], row["paused_noise_function_pp"] = tv(again_lines, p_lines), max_pp(again_funcs, p_funcs)
        for tool, backend, mode in (("default", "auto", memory), ("agent", "agent", "off")):
            lines, funcs, result = heatlens_dist(argv, folder, backend, memory=mode)
            row[f"{tool}_backend"] = getattr(getattr(result, "profile", None), "meta", None) and result.profile.meta.backend
            row[f"{tool}_line_tv"] = tv(lines, a_lines)
            row[f"{tool}_function_pp"] = max_pp(funcs, a_funcs)
            row[f"{tool}_top_functions"], row[f"{tool}_top_lines"] = top_diffs(funcs, a_funcs), top_diffs(lines, a_lines)
            row[f"{tool}_vs_paused_line_tv"], row[f"{tool}_vs_paused_function_pp"] = tv(lines, p_lines), max_pp(funcs, p_funcs)
            row[f"{tool}_vs_paused_top_functions"] = top_diffs(funcs, p_funcs)
        rows.append(row)
        print(f"  {name}: noise TV {row['noise_line_tv']:.3f} / {row['noise_function_pp']:.1f} pp; "
              f"default TV {row['default_line_tv']:.3f} / {row['default_function_pp']:.1f} pp; "
              f"agent TV {row['agent_line_tv']:.3f} / {row['agent_function_pp']:.1f} pp; default vs paused TV "
              f"{row['default_vs_paused_line_tv']:.3f} / {row['default_vs_paused_function_pp']:.1f} pp", flush=True)
    memory_rows = [] if only else measure_memory(quick)
    return {"split": split, "rows": rows, "memory": memory_rows, "default_memory": memory, "minutes": round((time.time() - started) / 60, 1),
            "load_start": load, "load_end": [round(x, 1) for x in os.getloadavg()]}


def measure_memory(quick: bool) -> List[Dict[str, object]]:
    """Per-line MB of the default mode against the truth each memory program prints."""
    out = []
    for path in sorted((CORPUS / "memory").glob("*.py"))[: 1 if quick else None]:
        lines, _, result = heatlens_dist([str(path)], path.parent, "auto", memory="sampled")
        truth_line = next((ln for ln in getattr(result, "stdout", "").splitlines() if ln.startswith("GROUND_TRUTH")), "")
        if not truth_line or result.profile is None:
            continue
        truth = json.loads(truth_line.split(" ", 1)[1])
        measured = {s.line: s for f in result.profile.files if f.path == str(path) for s in f.lines}
        leaking = {k.line for k in leaks.detect_in_profile(result.profile) if k.file == str(path)}
        for line, spec in truth.items():
            got = measured.get(int(line))
            kept = 0.0 if got is None else got.mem_net_mb
            peak = 0.0 if got is None else got.mem_peak_mb
            transient = spec["kind"] in ("peak_transient", "churn")
            # the peak for every kind: the programs free everything when main() returns, so a kept line that is
            # right keeps 0 at the end (as benchmarks/memory_bench.py scores it)
            out.append({"program": path.stem, "line": int(line), "kind": spec["kind"],
                        "truth_mb": spec.get("peak_transient_mb", spec["mb"]) if transient else spec["mb"],
                        "measured_mb": round(peak, 1), "kept_mb": round(kept, 1),
                        "leak_found": int(line) in leaking})
    return out


def render(data: Dict[str, object]) -> str:
    rows = data["rows"]  # type: ignore[index]
    out = ["# Exactness of the default mode", "",
           f"Split: {data['split']}. References: py-spy's paused reads (exact stacks: see Paused below) and Austin "
           "3.7 (`austin -s -i 1ms`), an out-of-process sampler independent of py-spy that reads while the program "
           "runs. TV = total-variation "
           "distance of the line CPU distributions over the program's own files; pp = largest difference of a function's self-time share.", "",
           f"Default mode: `--backend auto` (py-spy at {DEFAULT_RATE} Hz, paused reads on 3.11+) with `--memory {data.get('default_memory', 'off')}`"
           + (" (the product's default: its allocation windows run in the program, so they are scored too)"
              if data.get("default_memory", "off") == "sampled" else "") + "; agent: `--memory off`.", "",
           "Noise: a second Austin run against the first (what sampling alone accounts for).", "",
           "Paused (the exact reference): `py-spy record` at 500 Hz without `--nonblocking`, run by hand: each stack "
           "is read while the program is stopped, so it is one moment's (Austin reads while the program runs, and "
           "tears the stacks of calls that last microseconds). Its noise: a second paused run against the first. Its own "
           "bias: a stop lands where a system call ends, if one ends before the stop's interrupt arrives "
           "(docs/architecture.md).", "",
           "| program | noise TV / pp | default backend | default line TV | default function pp | agent line TV "
           "| agent function pp | vs paused: Austin TV | vs paused: default TV / pp | paused noise TV / pp |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    nan = float("nan")
    for r in rows:  # type: ignore[union-attr]
        out.append(f"| {r['program']} | {r.get('noise_line_tv', nan):.3f} / {r.get('noise_function_pp', nan):.1f} "
                   f"| {r['default_backend']} | {r['default_line_tv']:.3f} | {r['default_function_pp']:.1f} "
                   f"| {r['agent_line_tv']:.3f} | {r['agent_function_pp']:.1f} | {r.get('austin_vs_paused_line_tv', nan):.3f} "
                   f"| {r.get('default_vs_paused_line_tv', nan):.3f} / {r.get('default_vs_paused_function_pp', nan):.1f} "
                   f"| {r.get('paused_noise_line_tv', nan):.3f} / {r.get('paused_noise_function_pp', nan):.1f} |")
    austin_tvs = [v for v in (r.get("austin_vs_paused_line_tv", nan) for r in rows) if v == v]  # type: ignore[union-attr]
    if austin_tvs:
        out.append(f"\n**Austin vs paused**: line TV median {median(austin_tvs):.3f}, worst {max(austin_tvs):.3f}")
    for tool in ("paused_noise", "default_vs_paused", "agent_vs_paused", "noise", "default", "agent"):
        tvs = [v for v in (r.get(f"{tool}_line_tv", nan) for r in rows) if v == v]  # type: ignore[union-attr]
        pps = [v for v in (r.get(f"{tool}_function_pp", nan) for r in rows) if v == v]  # type: ignore[union-attr]
        if tvs:
            out.append(f"\n**{tool}**: line TV median {median(tvs):.3f}, worst {max(tvs):.3f}; function pp median "
                       f"{median(pps):.1f}, worst {max(pps):.1f}; programs within 5 pp: {sum(p <= 5 for p in pps)}/{len(pps)}")
    out += ["", "## By corpus (default mode; noise = the reference against itself)", "",
            "| corpus | reference | programs | line TV median / worst | noise TV median / worst | function within 5 pp |",
            "|---|---|---|---|---|---|"]
    for label, part in (("blind attribution corpus", [r for r in rows if not r["program"].startswith("pyperf:")]),
                        ("pyperformance", [r for r in rows if r["program"].startswith("pyperf:")])):
        for reference, tool, noise_key in (("paused py-spy", "default_vs_paused", "paused_noise"),
                                           ("Austin", "default", "noise")):
            tvs = [v for v in (r.get(f"{tool}_line_tv", nan) for r in part) if v == v]
            noise = [v for v in (r.get(f"{noise_key}_line_tv", nan) for r in part) if v == v]
            pps = [v for v in (r.get(f"{tool}_function_pp", nan) for r in part) if v == v]
            if tvs and noise:
                out.append(f"| {label} | {reference} | {len(part)} | {median(tvs):.3f} / {max(tvs):.3f} | "
                           f"{median(noise):.3f} / {max(noise):.3f} | {sum(p <= 5 for p in pps)}/{len(pps)} |")
    if data.get("minutes") is not None:
        out.append(f"\nRun: {data['minutes']} min; load average (1/5/15 min) {data.get('load_start')} at the start, "
                   f"{data.get('load_end')} at the end.")
    mem = data.get("memory") or []
    if mem:
        out += ["", "## Memory per line (default mode)", "",
                "Truth: requested bytes (`sys.getsizeof`, checked with tracemalloc); measured: resident memory, so "
                "allocator rounding adds to small objects. Measured is the line's peak (the programs free everything "
                "when main() returns, so a kept line that is right keeps 0 at the end). The scored memory "
                "benchmark is `benchmarks/memory_bench.py` (MEMORY.md).", "",
                "| program | line | kind | truth MB | measured MB | kept at end | leak reported |", "|---|---|---|---|---|---|---|"]
        out += [f"| {m['program']} | {m['line']} | {m['kind']} | {m['truth_mb']} | {m['measured_mb']} | {m['kept_mb']} "  # type: ignore[index]
                f"| {'yes' if m['leak_found'] else 'no'} |" for m in mem]
    return "\n".join(out) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--split", default="dev", choices=("dev", "holdout", "all"))
    parser.add_argument("--out-dir", default=str(HERE))
    parser.add_argument("--only", default="", help="comma-separated parts of program names (no memory part)")
    parser.add_argument("--memory", default=BackendOptions().memory, choices=MEMORY_MODES,
                        help="the default mode's memory attribution (default: the product's default)")
    args = parser.parse_args(argv)
    data = measure(args.split, args.quick, [o for o in args.only.split(",") if o], args.memory)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"exactness-{args.split}.json").write_text(json.dumps(data, indent=1, default=str))
    (out / f"EXACTNESS-{args.split}.md").write_text(render(data))
    print(render(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
