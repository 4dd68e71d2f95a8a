"""The blind anti-pattern corpus (benchmarks/corpus/antipatterns, written by someone who never read the
detectors): recall, cost-weighted recall, precision, cold decoys reported and unsafe fixes offered.

    python -m benchmarks.antipatterns_blind --split dev [--cached] [--floor] [--out benchmarks/ANTIPATTERNS.md]

Each program is profiled for real with the DEFAULT backend (py-spy from outside the process) and its
findings are computed through the editor's own path (`lsp.annotations.file_data` ->
`lsp.features.diagnostics.findings_for_data`, the one analysis entry point shared with the CLI and the API).
Scoring, against LABELS.json:
- recall: hot labels with any diagnostic overlapping their span; cost-weighted: the same weighted by share;
- precision: of diagnostics on labelled spans, those on hot labels;
- cold decoys reported, and unsafe automatic fixes (a fix title on an unsafe decoy's span).
`--floor` sets every threshold to 0 (the unsafe-fix check must still give 0). Profiles are cached in the
temp directory (`--cached` reuses them) so the detectors can be re-scored without re-running.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import attrs

from heatlens import model
from heatlens.analysis.findings import Thresholds
from heatlens.model import Finding, Profile

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "benchmarks" / "corpus" / "antipatterns"
CACHE = Path(tempfile.gettempdir()) / "heatlens-blind-profiles"
BEGIN, END = "<!-- blind:{split}:begin -->", "<!-- blind:{split}:end -->"


def labels() -> Dict[str, Any]:
    return json.loads((CORPUS / "LABELS.json").read_text())


def profile_program(path: Path, cached: bool) -> Profile:
    CACHE.mkdir(parents=True, exist_ok=True)
    blob = CACHE / (path.name + ".msgpack")
    if cached and blob.exists():
        return model.loads(blob.read_bytes())
    from heatlens.backends.base import Target
    from heatlens.run import RunOptions, profile_target_sync

    result = profile_target_sync(Target("script", str(path), cwd=str(path.parent)), RunOptions(backend="auto", timeout=120))
    if result.profile is None or not result.failure.ok:
        raise RuntimeError(f"profiling {path} failed: {result.failure.kind} {result.failure.message}")
    blob.write_bytes(model.dumps(result.profile))
    return result.profile


def editor_findings(profile: Profile, path: Path, th: Thresholds) -> List[Finding]:
    """The findings the editor would show for `path` (anti-patterns only)."""
    from heatlens.lsp.annotations import file_data
    from heatlens.lsp.features.diagnostics import findings_for_data
    from heatlens.mapping.rollup import same_file

    fp = next((f for f in profile.files if same_file(f.path, str(path))), None)
    if fp is None:
        return []
    data = file_data(profile, fp, None, path.read_text())
    return [f for f in findings_for_data(data, th) if "key" in f.data]


@attrs.define
class Tally:
    hot: int = 0
    hot_found: int = 0
    share: float = 0.0
    share_found: float = 0.0
    on_labels: int = 0
    on_hot: int = 0
    cold: int = 0
    cold_reported: int = 0
    unsafe: int = 0
    unsafe_fixed: int = 0
    unsafe_verify_only: int = 0  # offered only through "Apply fix and verify" ...
    unsafe_verify_refused: int = 0  # ... and refused by that verification when run
    rows: List[str] = attrs.Factory(list)


def _verification_refuses(name: str, f: Finding) -> bool:
    """Run "Apply fix and verify" on a verify-only fix of an unsafe decoy: it must be refused."""
    from heatlens.analysis.fixes import fix_source
    from heatlens.jobs.verify import verify_fix
    from heatlens.backends.base import Target
    from heatlens.run import RunOptions

    path = CORPUS / (name if name.endswith(".py") else f"{name}.py")
    res = fix_source(path.read_text(), f.rule, f.line, int(f.data.get("col") or 0))
    if not res.ok:
        return True  # nothing to apply
    target = Target("script", str(path), cwd=str(path.parent))
    verdict = verify_fix(target, str(path), res.text, RunOptions(backend="agent", timeout=120), str(path.parent), repeats=1)
    return not verdict.ok


def _overlaps(f: Finding, span: Tuple[int, int]) -> bool:
    return f.line <= span[1] and f.end_line >= span[0]


def score(name: str, labs: List[Dict[str, Any]], found: List[Finding], t: Tally) -> None:
    missed, bad = [], []
    for lab in labs:
        span = (lab["lines"][0], lab["lines"][1])
        on = [f for f in found if _overlaps(f, span)]
        if lab["hot"]:
            t.hot += 1
            t.share += lab["share"]
            if on:
                t.hot_found += 1
                t.share_found += lab["share"]
            else:
                missed.append(f"{span[0]} {lab['family']}")
        else:
            if lab.get("decoy_kind") == "cold":
                t.cold += 1
                t.cold_reported += bool(on)
                if on:
                    bad.append(f"cold {span[0]}")
            if lab.get("unsafe_fix"):
                t.unsafe += 1
                fixed = [f for f in on if f.data.get("fix_title") and not f.data.get("verify_only")]
                t.unsafe_fixed += bool(fixed)
                if fixed:
                    bad.append(f"UNSAFE FIX {span[0]}: {fixed[0].data['fix_title']}")
                gated = [f for f in on if f.data.get("verify_only")]
                if gated:
                    t.unsafe_verify_only += 1
                    t.unsafe_verify_refused += _verification_refuses(name, gated[0])
    spans = [(lab["lines"][0], lab["lines"][1], lab["hot"]) for lab in labs]
    for f in found:
        hits = [h for a, b, h in spans if f.line <= b and f.end_line >= a]
        if hits:
            t.on_labels += 1
            t.on_hot += any(hits)
            if not any(hits):
                bad.append(f"decoy {f.line} {f.rule}")
    n_hot = sum(1 for lab in labs if lab["hot"])
    t.rows.append(f"| {name} | {n_hot - len(missed)}/{n_hot} | {', '.join(missed) or '–'} | {', '.join(bad) or '–'} | "
                  f"{', '.join(sorted({f'{f.line}:{f.rule}' for f in found})) or '–'} |")


def run(split: str, cached: bool, floor: bool, only: Optional[List[str]] = None) -> Tuple[Tally, str]:
    th = Thresholds(warning=0.0, information=0.0) if floor else Thresholds()
    t = Tally()
    t0 = time.time()
    for name, entry in sorted(labels().items()):
        if entry["split"] != split or (only and name not in only):
            continue
        path = CORPUS / name
        found = editor_findings(profile_program(path, cached), path, th)
        score(name, entry["labels"], found, t)
    pct = lambda a, b: f"{a}/{b} = {a / b:.2f}" if b else "–"  # noqa: E731
    text = "\n".join([
        f"Split `{split}`{' (every threshold 0)' if floor else ''}, measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
        f"on {platform.machine()}, Python {platform.python_version()}, default backend (py-spy).",
        "",
        "| program | hot found | missed (line family) | wrong reports | findings (line:rule) |",
        "|---|---|---|---|---|",
        *t.rows,
        "",
        f"**Recall** {pct(t.hot_found, t.hot)}; **cost-weighted recall** {t.share_found / t.share if t.share else 0:.2f}; "
        f"**precision** (diagnostics on labelled spans that are hot) {pct(t.on_hot, t.on_labels)}; "
        f"**cold decoys reported** {t.cold_reported}/{t.cold}; **unsafe automatic fixes** {t.unsafe_fixed}/{t.unsafe} "
        f"(offered only through \"Apply fix and verify\": {t.unsafe_verify_only}, refused by its verification: "
        f"{t.unsafe_verify_refused}/{t.unsafe_verify_only}). "
        f"({time.time() - t0:.0f} s)",
    ])
    return t, text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev", choices=sorted({e["split"] for e in labels().values()}))  # e.g. holdout-s4
    ap.add_argument("--cached", action="store_true")
    ap.add_argument("--floor", action="store_true")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out")
    a = ap.parse_args()
    _, text = run(a.split, a.cached, a.floor, a.only)
    print(text)
    if a.out:
        out = Path(a.out)
        doc = out.read_text() if out.exists() else ""
        b, e = BEGIN.format(split=a.split + ("-floor" if a.floor else "")), END.format(split=a.split + ("-floor" if a.floor else ""))
        block = f"{b}\n{text}\n{e}"
        doc = doc[:doc.index(b)] + block + doc[doc.index(e) + len(e):] if b in doc else doc.rstrip() + "\n\n" + block + "\n"
        out.write_text(doc)


if __name__ == "__main__":
    main()
