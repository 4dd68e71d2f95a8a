"""Are the default mode's numbers where the time really went? Measured on programs nobody here tuned to.

`python -m benchmarks.exactness [--quick] [--split dev|holdout|all] [--reps N] [--out-dir DIR]`

For every program (the blind corpus in benchmarks/corpus/attribution/, and pyperformance's benchmarks run as
pyperf workers), one run each of: heatlens' default mode (through its runner, backend `auto`), the in-process
agent (the fallback, for comparison), and Austin 3.7 (`austin -s`), an exact out-of-process sampler that shares
no code with py-spy. Per program:
- line TV: total-variation distance between the tool's and Austin's CPU distributions over the program's own
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
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from benchmarks.common import HERE, median
from heatlens.analysis import leaks
from heatlens.backends.callsite import make_is_outside, paying_line

CORPUS = HERE / "corpus"
# pyperformance benchmarks that need nothing beyond pyperf, with pyperf loop counts for ~1.5-3 s here
PYPERF: Dict[str, int] = {
    "nbody": 12, "spectral_norm": 8, "richards": 40, "fannkuch": 3, "float": 12, "chaos": 20, "deltablue": 400,
    "go": 6, "hexiom": 40, "raytrace": 4, "nqueens": 12, "unpack_sequence": 40000, "generators": 40,
    "coroutines": 60, "deepcopy": 3000, "json_dumps": 60, "json_loads": 2000, "logging": 20000, "pickle": 1,
    "regex_effbot": 60, "regex_v8": 30, "scimark": 1, "telco": 60, "xml_etree": 3, "pyflate": 3,
    "meteor_contest": 6, "pidigits": 6, "mdp": 1, "async_generators": 20, "sqlite_synth": 30000,
}

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
            argv = [str(script), "--worker", "-l", str(1 if quick else loops), "-n", "1" if quick else "3", "-w", "0",
                    "-p", "1", "--inherit-environ", "PATH"]
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
    for fn in profile.functions:
        funcs[(os.path.basename(fn.file), fn.qualname.rsplit(".", 1)[-1])] += fn.self_time
    return dict(lines), dict(funcs), result


def austin_dist(argv: List[str], folder: Path) -> Tuple[Dist, Dist]:
    """(line CPU, function self CPU) from Austin's CPU-time samples of the same program."""
    austin = shutil.which("austin") or str(Path(sys.executable).parent / "austin")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.austin"
        subprocess.run([austin, "-s", "-i", "1ms", "-o", str(out), sys.executable, *argv], cwd=folder,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        text = out.read_text(errors="replace") if out.is_file() else ""
    lines: Dist = defaultdict(float)
    funcs: Dist = defaultdict(float)
    is_outside = make_is_outside((os.path.dirname(os.path.abspath(argv[0])),))  # the script's folder: the program
    for row in text.splitlines():
        if not row or row.startswith("#"):
            continue
        stack, _, metric = row.rpartition(" ")
        frames = [f.rsplit(":", 2) for f in stack.split(";")[2:]]  # P<pid>;T<tid>;frames...
        frames = [(_austin_path(f[0], folder), f[1], int(f[2])) for f in frames if len(f) == 3 and f[2].isdigit()]
        if not frames or not metric.isdigit():
            continue  # nothing Austin could resolve (no line)
        file, func, line = frames[-1]
        seconds = int(metric) / 1e6
        funcs[(os.path.basename(file), func.rsplit(".", 1)[-1])] += seconds
        # the line that pays, as heatlens paints it: the leaf when it is the program's, else the innermost
        # line of the program's own code that called into the library (computed here from Austin's stacks)
        payer = (file, line) if not is_outside(file) else paying_line([(f, ln) for f, _, ln in frames], is_outside)
        if payer is not None and payer[0].startswith(str(folder)):
            lines[payer] += seconds
    return dict(lines), dict(funcs)


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


def measure(split: str, quick: bool) -> Dict[str, object]:
    rows = []
    for name, argv, folder in programs(split, quick):
        a_lines, a_funcs = austin_dist(argv, folder)
        row: Dict[str, object] = {"program": name}
        again_lines, again_funcs = austin_dist(argv, folder)  # the reference against itself: sampling noise
        row["noise_line_tv"], row["noise_function_pp"] = tv(again_lines, a_lines), max_pp(again_funcs, a_funcs)
        for tool, backend in (("default", "auto"), ("agent", "agent")):
            lines, funcs, result = heatlens_dist(argv, folder, backend)
            row[f"{tool}_backend"] = getattr(getattr(result, "profile", None), "meta", None) and result.profile.meta.backend
            row[f"{tool}_line_tv"] = tv(lines, a_lines)
            row[f"{tool}_function_pp"] = max_pp(funcs, a_funcs)
        rows.append(row)
        print(f"  {name}: noise TV {row['noise_line_tv']:.3f} / {row['noise_function_pp']:.1f} pp; "
              f"default TV {row['default_line_tv']:.3f} / {row['default_function_pp']:.1f} pp; "
              f"agent TV {row['agent_line_tv']:.3f} / {row['agent_function_pp']:.1f} pp", flush=True)
    return {"split": split, "rows": rows, "memory": measure_memory(quick)}


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
            out.append({"program": path.stem, "line": int(line), "kind": spec["kind"],
                        "truth_mb": spec.get("peak_transient_mb", spec["mb"]) if transient else spec["mb"],
                        "measured_mb": round(peak if transient else kept, 1), "kept_mb": round(kept, 1),
                        "leak_found": int(line) in leaking})
    return out


def render(data: Dict[str, object]) -> str:
    rows = data["rows"]  # type: ignore[index]
    # memory: transient kinds compare the line's peak, the others what it kept at the end
    out = ["# Exactness of the default mode", "",
           f"Split: {data['split']}. Reference: Austin 3.7 (`austin -s -i 1ms`), an exact out-of-process sampler "
           "independent of py-spy. TV = total-variation distance of the line CPU distributions over the program's "
           "own files; pp = largest difference of a function's self-time share.", "",
           "Noise: a second Austin run against the first (what sampling alone accounts for).", "",
           "| program | noise TV / pp | default backend | default line TV | default function pp | agent line TV | agent function pp |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:  # type: ignore[union-attr]
        out.append(f"| {r['program']} | {r.get('noise_line_tv', float('nan')):.3f} / {r.get('noise_function_pp', float('nan')):.1f} "
                   f"| {r['default_backend']} | {r['default_line_tv']:.3f} | {r['default_function_pp']:.1f} "
                   f"| {r['agent_line_tv']:.3f} | {r['agent_function_pp']:.1f} |")
    for tool in ("noise", "default", "agent"):
        nan = float("nan")
        tvs = [v for v in (r.get(f"{tool}_line_tv", nan) for r in rows) if v == v]  # type: ignore[union-attr]
        pps = [v for v in (r.get(f"{tool}_function_pp", nan) for r in rows) if v == v]  # type: ignore[union-attr]
        if tvs:
            out.append(f"\n**{tool}**: line TV median {median(tvs):.3f}, worst {max(tvs):.3f}; function pp median "
                       f"{median(pps):.1f}, worst {max(pps):.1f}; programs within 5 pp: {sum(p <= 5 for p in pps)}/{len(pps)}")
    mem = data.get("memory") or []
    if mem:
        out += ["", "## Memory per line (default mode)", "",
                "Truth: requested bytes (`sys.getsizeof`, checked with tracemalloc); measured: resident memory, so "
                "allocator rounding adds to small objects. Transient kinds (peak, churn) compare the line's peak, "
                "the others what it kept at the end.", "",
                "| program | line | kind | truth MB | measured MB | kept at end | leak reported |", "|---|---|---|---|---|---|---|"]
        out += [f"| {m['program']} | {m['line']} | {m['kind']} | {m['truth_mb']} | {m['measured_mb']} | {m['kept_mb']} "  # type: ignore[index]
                f"| {'yes' if m['leak_found'] else 'no'} |" for m in mem]
    return "\n".join(out) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--split", default="dev", choices=("dev", "holdout", "all"))
    parser.add_argument("--out-dir", default=str(HERE))
    args = parser.parse_args(argv)
    data = measure(args.split, args.quick)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"exactness-{args.split}.json").write_text(json.dumps(data, indent=1, default=str))
    (out / f"EXACTNESS-{args.split}.md").write_text(render(data))
    print(render(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
