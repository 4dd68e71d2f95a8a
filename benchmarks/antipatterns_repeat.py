"""Cold decoys across repeated runs: a finding on a line that barely runs must not appear by chance in any run.

    python -m benchmarks.antipatterns_repeat [--runs 20] [--workers 2] [--out benchmarks/ANTIPATTERNS.md]

Every program of the blind corpus that has a cold decoy is profiled `--runs` times afresh with the default backend,
and its findings are computed through the editor's path with the default thresholds (as `antipatterns_blind`
does for one run). A run "reports" a cold decoy when any diagnostic overlaps its span.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Optional, Tuple

from benchmarks.antipatterns_blind import CORPUS, editor_findings, labels
from heatlens.analysis.findings import Thresholds

BEGIN, END = "<!-- repeat:begin -->", "<!-- repeat:end -->"


def one_run(name: str, spans: List[Tuple[int, int]]) -> List[Tuple[int, str]]:
    """(line, rule) of the findings on cold spans in one fresh run of `name`."""
    from heatlens.backends.base import Target
    from heatlens.run import RunOptions, profile_target_sync

    path = CORPUS / name
    result = profile_target_sync(Target("script", str(path), cwd=str(path.parent)), RunOptions(backend="auto", timeout=120))
    if result.profile is None:
        return [(0, f"run failed: {result.failure.kind}")]
    found = editor_findings(result.profile, path, Thresholds())
    return [(f.line, f.rule) for f in found
            if any(f.line <= b and (f.end_line or f.line) >= a for a, b in spans)]


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    cold = {name: [tuple(l["lines"]) for l in e["labels"] if l.get("decoy_kind") == "cold"]
            for name, e in sorted(labels().items())}
    cold = {k: v for k, v in cold.items() if v}
    jobs = [(name, spans) for name, spans in cold.items() for _ in range(args.runs)]
    with ThreadPoolExecutor(args.workers) as pool:
        results = list(pool.map(lambda job: (job[0], one_run(*job)), jobs))
    rows = ["| program | split | cold spans | runs | runs reporting a cold decoy | what |", "|---|---|---|---|---|---|"]
    splits = {name: e.get("split") for name, e in labels().items()}
    bad_total = 0
    for name, spans in cold.items():
        hits = [r for n, r in results if n == name and r]
        bad_total += len(hits)
        what = sorted({f"{ln}:{rule}" for r in hits for ln, rule in r})
        rows.append(f"| {name} | {splits[name]} | {', '.join(f'{a}-{b}' for a, b in spans)} | {args.runs} | {len(hits)} | "
                    f"{', '.join(what) or '–'} |")
    rows += ["", f"**{bad_total}** of {len(jobs)} runs reported a cold decoy ({len(cold)} programs × {args.runs} fresh "
                 f"default-mode runs, {args.workers} at a time; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})."]
    text = "\n".join(rows)
    print(text)
    if args.out:
        out = Path(args.out)
        doc = out.read_text()
        block = f"{BEGIN}\n{text}\n{END}"
        doc = (doc[: doc.index(BEGIN)] + block + doc[doc.index(END) + len(END):]) if BEGIN in doc else \
            doc + f"\n### Cold decoys over repeated runs\n\n`python -m benchmarks.antipatterns_repeat --runs {args.runs}`\n\n{block}\n"
        out.write_text(doc)


if __name__ == "__main__":
    main()
