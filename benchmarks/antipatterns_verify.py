"""Every fix offered on a split of the blind anti-pattern corpus, verified as "Apply fix and verify" does it:
the fixed program must print the same output and exit the same way, and the speedup is measured.

    python -m benchmarks.antipatterns_verify --split holdout-s4 [--repeats 3] [--out benchmarks/ANTIPATTERNS.md]

Findings come from the cached default-mode profiles of `antipatterns_blind` (run it first), graded with the
default thresholds, exactly as the editor offers them; both plain fixes and verify-only fixes are run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import List, Optional

from benchmarks.antipatterns_blind import CORPUS, editor_findings, labels, profile_program
from heatlens.analysis.findings import Thresholds

BEGIN, END = "<!-- verify:{split}:begin -->", "<!-- verify:{split}:end -->"


def verify_split(split: str, repeats: int) -> List[str]:
    from heatlens.analysis.fixes import fix_source
    from heatlens.backends.base import Target
    from heatlens.jobs.verify import verify_fix
    from heatlens.run import RunOptions

    rows = ["| program | line | rule | kind | output kept | speedup (CPU) |", "|---|---|---|---|---|---|"]
    kept = total = 0
    for name, entry in sorted(labels().items()):
        if entry.get("split") != split:
            continue
        path = CORPUS / name
        for f in editor_findings(profile_program(path, cached=True), path, Thresholds()):
            if not f.data.get("fix_title"):
                continue
            res = fix_source(path.read_text(), f.rule, f.line, int(f.data.get("col") or 0))
            if not res.ok:
                continue  # a title without an applicable edit is offered as advice only
            target = Target("script", str(path), cwd=str(path.parent))
            verdict = verify_fix(target, str(path), res.text, RunOptions(backend="auto", timeout=120), str(path.parent),
                                 repeats=repeats)
            total += 1
            kept += verdict.ok
            kind = "verify-only" if f.data.get("verify_only") else "plain"
            rows.append(f"| {name} | {f.line} | {f.rule} | {kind} | {'yes' if verdict.ok else 'no: ' + verdict.reason[:60]} "
                        f"| {verdict.speedup:.2f}× |")
    rows.append("")
    rows.append(f"**{kept}/{total}** offered fixes keep the program's output and exit ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
                f"median of {repeats} runs each side).")
    return rows


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="holdout-s4")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=None, help="a Markdown file whose verify block for the split is replaced")
    args = ap.parse_args(argv)
    text = "\n".join(verify_split(args.split, args.repeats))
    print(text)
    if args.out:
        out = Path(args.out)
        doc = out.read_text() if out.exists() else ""
        begin, end = BEGIN.format(split=args.split), END.format(split=args.split)
        block = f"{begin}\n{text}\n{end}"
        if begin in doc and end in doc:
            doc = doc[: doc.index(begin)] + block + doc[doc.index(end) + len(end):]
        else:
            doc += f"\n### Offered fixes on `{args.split}`, verified\n\n{block}\n"
        out.write_text(doc)


if __name__ == "__main__":
    main()
