"""The CLI (`commands.run.attach_findings`, the pipeline's analysis) and the editor (`diagnostics.findings_for_data` over the run's
`FileData`) compute anti-patterns through one function and give the same (line, rule) set on one stored run,
including findings whose cost is library time that only the functions' callee records show (deepcopy)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any, List

from lsprotocol import types as lsp

from heatlens import model
from heatlens.commands.run import attach_findings
from heatlens.lsp.annotations import file_data
from heatlens.lsp.features.diagnostics import findings_for_data
from heatlens.analysis.leaks import RULE
from heatlens.model import FileProfile, FunctionStats, LineStats, Profile, RunMeta
from heatlens.store import open_store

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
    # (a deepcopy of a flat template: the rule that knows `dict()` copies it the same)
    assert (11, "deepcopy-template") in cli_set and (12, "list-membership") in cli_set


async def test_the_cli_and_the_editor_find_the_same_on_the_same_program(client: Any, tmp_path: Path) -> None:
    """End to end: `heatlens run` and a run from the editor of one program both go through the pipeline
    and report the same (line, rule) set (the editor's as published diagnostics)."""
    prog = client.root / "tag_filter.py"
    uri = client.open(prog)
    summary = await client.profile(uri=uri)
    assert summary.failure.kind == "ok", summary.failure.message
    editor = await _anti_pattern_diagnostics(client, uri)
    db = tmp_path / "cli.db"
    cli = subprocess.run([sys.executable, "-m", "heatlens", "run", "--store", str(db), str(prog)], cwd=client.root,
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    with open_store(str(client.root), str(db)) as store:
        stored = store.load(store.runs(1)[0].id)
    cli_set = {(f.line, f.rule) for f in stored.findings if "key" in f.data}
    assert (8, "list-membership") in cli_set
    assert cli_set == {(d.range.start.line + 1, str(d.code)) for d in editor}


async def _anti_pattern_diagnostics(client: Any, uri: str, timeout: float = 60) -> List[lsp.Diagnostic]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        found = [d for d in client.diagnostics.get(uri) or [] if d.code != RULE]
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no diagnostics for {uri}")
