"""The CLI (`commands.run.attach_findings`) and the editor (`diagnostics.findings_for_data` over the run's
`FileData`) compute anti-patterns through one function and give the same (line, rule) set on one stored run,
including findings whose cost is library time that only the functions' callee records show (deepcopy)."""

from __future__ import annotations

from pathlib import Path

from heatlens import model
from heatlens.commands.run import attach_findings
from heatlens.lsp.annotations import file_data
from heatlens.lsp.features.diagnostics import findings_for_data
from heatlens.model import FileProfile, FunctionStats, LineStats, Profile, RunMeta

SRC = """import copy
import re

TEMPLATE = {"a": 1}


def run(items, rules):
    seen = []
    out = []
    for x in items:
        rec = copy.deepcopy(TEMPLATE)
        if x not in seen:
            seen.append(x)
        if re.search(rules[x % 3], str(x)):
            out.append(rec)
    return out


run(list(range(100)), ["1", "2", "3"])
"""


def _profile(path: str, root: str) -> Profile:
    lines = [LineStats(11, cpu_python=0.05, samples=50), LineStats(12, cpu_python=0.40, samples=400),
             LineStats(14, cpu_python=0.02, samples=20), LineStats(15, cpu_python=0.01, samples=10)]
    run = FunctionStats("run", path, 7, self_time=0.48, total_time=0.98, calls=1,
                        callees={"/usr/lib/python3.11/copy.py:128:deepcopy": 0.45,
                                 "/usr/lib/python3.11/re/__init__.py:173:search": 0.05})
    deep = FunctionStats("deepcopy", "/usr/lib/python3.11/copy.py", 128, self_time=0.45, total_time=0.45,
                         callers={f"{path}:7:run": 0.45})
    meta = RunMeta(argv=[path], target=path, backend="pyspy", cwd=root, project_root=root, cpu_time=1.0)
    return Profile(meta=meta, files=[FileProfile(path=path, lines=lines)], functions=[run, deep])


def test_cli_and_editor_report_the_same_lines_and_rules(tmp_path: Path) -> None:
    prog = tmp_path / "prog.py"
    prog.write_text(SRC)
    stored = model.loads(model.dumps(_profile(str(prog), str(tmp_path))))  # as read back from the store
    cli = model.loads(model.dumps(stored))
    attach_findings(cli)
    editor = findings_for_data(file_data(stored, stored.files[0], 1, SRC))
    cli_set = {(f.line, f.rule) for f in cli.findings if "key" in f.data}
    editor_set = {(f.line, f.rule) for f in editor if "key" in f.data}
    assert cli_set == editor_set
    # the deepcopy's cost is library time (only callee records show it): both see it, not only the CLI
    assert (11, "quadratic-idiom") in cli_set and (12, "list-membership") in cli_set
