"""Anti-pattern findings on the corpus (tests/fixtures/antipatterns): precision, recall, decoys, and the
measured speedup of every offered fix (applied to a copy, verified before/after through the runner).

    python -m benchmarks.antipatterns [--repeats 3] [--out benchmarks/ANTIPATTERNS.md]

Each program is profiled for real with the agent backend; its hot repeated-call findings are then measured
by the argument probe (one more run), whose evidence alone decides whether the lru_cache fix is offered. A finding is a true positive when its line
carries `# expect: hot|any <rule>`; recall counts the `hot` lines found. Speedups are best-of-N wall
CPU times (user + system of the process tree) of the whole program, profiled by the same runner, before /
after the one fix; wall times are shown too.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import List

from heatlens.analysis.evaluate import Score, score
from heatlens.jobs.corpus import findings_of, profile_file
from heatlens.analysis.fixes import fix_source
from heatlens.jobs.verify import verify_fix
from heatlens.backends.base import Target

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "antipatterns"
BEGIN, END = "<!-- antipatterns:begin -->", "<!-- antipatterns:end -->"


def run(repeats: int) -> str:
    scores: List[Score] = []
    fix_rows: List[str] = []
    for prog in sorted(CORPUS.glob("*.py")):
        path, source = str(prog), prog.read_text()
        profile, _ = profile_file(path)
        findings = findings_of(profile, path, source, probe=True)
        scores.append(score(prog.name, source, findings))
        for f in findings:
            if not f.data.get("fix_title"):
                continue
            res = fix_source(source, f.rule, f.line, int(f.data["col"]), evidence=f.data.get("probe"))
            if not res.ok:
                fix_rows.append(f"| {prog.name}:{f.line} | {f.rule} | {f.data['fix_title']} | {pct(f.cost_share)} | "
                                f"not applied: {res.reason} | | | |")
                continue
            v = verify_fix(Target("script", path, cwd=str(CORPUS)), path, res.text, repeats=repeats)
            verdict = "kept" if v.ok else f"refused: {v.reason}"
            fix_rows.append(f"| {prog.name}:{f.line} | {f.rule} | {res.title} | {pct(f.cost_share)} | {verdict} | "
                            f"{v.before_cpu:.2f} → {v.after_cpu:.2f} s | {v.before_wall:.2f} → {v.after_wall:.2f} s | {v.speedup:.2f}× |")
    hot = sum(s.hot for s in scores)
    found = sum(s.hot_found for s in scores)
    reported = sum(s.reported for s in scores)
    true = sum(s.true_reports for s in scores)
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()} with Python "
        f"{platform.python_version()} (agent backend, best of {repeats} runs per version, speedup from CPU time; a shared 2-core machine, "
        "so absolute times are noisy, ratios less so).",
        "",
        "| program | hot patterns found | cold decoys reported | unsafe decoys given a fix | fixes offered / expected | false reports |",
        "|---|---|---|---|---|---|",
    ]
    for s in scores:
        lines.append(f"| {s.file} | {s.hot_found}/{s.hot} | {s.cold_reported}/{s.cold} | {s.unsafe_fixed}/{s.unsafe} | "
                     f"{s.fix_offered}/{s.fixable} | {', '.join(f'{ln}:{r}' for ln, r in s.false) or '0'} |")
    lines += [
        "",
        f"**Recall** (hot patterns reported): {found}/{hot} = {pct(found / hot if hot else 0)}; "
        f"**precision** (reports on expected lines): {true}/{reported} = {pct(true / reported if reported else 0)}; "
        f"cold decoys reported: {sum(s.cold_reported for s in scores)}/{sum(s.cold for s in scores)}; "
        f"fixes offered on unsafe decoys: {sum(s.unsafe_fixed for s in scores)}/{sum(s.unsafe for s in scores)}.",
        "",
        "| finding | rule | fix (title as offered) | share of run | verify | CPU before → after | wall before → after | speedup (CPU) |",
        "|---|---|---|---|---|---|---|---|",
        *fix_rows,
    ]
    return "\n".join(lines)


def pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def write(out: Path, table: str) -> None:
    text = out.read_text() if out.exists() else "# Anti-pattern findings: precision, recall, speedups\n\n"
    block = f"{BEGIN}\n{table}\n{END}"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    out.write_text(text)


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "ANTIPATTERNS.md"))
    args = ap.parse_args(argv)
    table = run(args.repeats)
    print(table)
    write(Path(args.out), table)
    print(f"\nwritten to {os.path.relpath(args.out)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
