"""The agent's collectors (GC pauses, import times, raised exceptions) against programs whose answer is
known: tests/fixtures/deeper/collect/. Counts are exact; times only have floors that sleep guarantees."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from heatlens_test_pythons import with_monitoring

from heatlens.backends.agent import AGENT_DIR, ORIG_PYTHONPATH_VAR, convert
from heatlens.backends.base import Target
from heatlens.model import Profile, RunMeta, dumps, loads
from heatlens.reports import collectors as report
from heatlens.reports import document as doc
from heatlens.run import RunOptions, profile_target_sync

COLLECT = Path(__file__).resolve().parent.parent / "fixtures" / "deeper" / "collect"

pytestmark = pytest.mark.slow


def line_of(path: Path, marker: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "# " + marker in text)


@pytest.fixture(scope="module")
def gc_run() -> Profile:
    prog = COLLECT / "gc_imports.py"
    result = profile_target_sync(Target(kind="script", value=str(prog), cwd=str(COLLECT)),
                                 RunOptions(backend="agent", timeout=120))
    assert result.profile is not None and result.failure.ok, result.stderr
    assert result.stdout.strip() == "42" and result.stderr == ""  # the target's output is untouched
    return loads(dumps(result.profile))  # the fields survive storage


def test_gc_collections_and_pauses(gc_run: Profile) -> None:
    g = gc_run.gc
    assert g is not None
    assert g.collections[2] == 7  # automatic GC is off: only the 7 gc.collect() calls
    assert g.collected[2] >= 7 * 1000  # each found its 1000 cycles
    assert g.pause_seconds[2] > 0 and 0 < g.max_pause <= sum(g.pause_seconds)


def test_import_times_inclusive_self_and_site(gc_run: Profile) -> None:
    by_name = {r.module: r for r in gc_run.imports}
    slow, outer = by_name["slow_mod"], by_name["outer_mod"]
    assert slow.file == str(COLLECT / "slow_mod.py")
    assert slow.seconds >= 0.29 and slow.self_seconds >= 0.29  # the 0.3 s sleep is its own
    assert outer.seconds >= slow.seconds and outer.self_seconds < outer.seconds - 0.25  # slow_mod's is not
    assert (outer.importer_file, outer.importer_line) == (str(COLLECT / "gc_imports.py"),
                                                          line_of(COLLECT / "gc_imports.py", "IMPORT SITE"))
    assert (slow.importer_file, slow.importer_line) == (str(COLLECT / "outer_mod.py"),
                                                        line_of(COLLECT / "outer_mod.py", "OUTER IMPORT"))
    assert gc_run.imports[0].module in ("outer_mod", "slow_mod")  # sorted slowest first
    # the import's wrapper never shows in the stacks: the sleep is blocked time on the module's own line
    assert not [f for f in gc_run.frames if f.file.startswith("<heatlens")]
    fp = gc_run.file(slow.file)
    assert fp is not None and sum(s.wall - s.cpu_python - s.cpu_native for s in fp.lines) > 0.2


def test_summary_section(gc_run: Profile) -> None:
    data = report.summarize(gc_run)
    assert data is not None and data["gc"]["collections"][2] == 7
    assert data["imports"][0]["module"] in ("outer_mod", "slow_mod")
    text = doc.to_text(report.blocks(data))
    assert "slow_mod" in text and "gen 2" in text


@pytest.mark.skipif(not with_monitoring(), reason="needs a Python >= 3.12")
def test_raised_exceptions_counted_on_312(tmp_path: Path) -> None:
    python = with_monitoring()
    out = tmp_path / "agent.json"
    prog = COLLECT / "raises.py"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": AGENT_DIR, ORIG_PYTHONPATH_VAR: ""}
    done = subprocess.run([python, "-m", "heatlens_agent", "--out", str(out), "--", str(prog)], env=env,
                          capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert done.returncode == 0 and done.stdout.strip() == "0", done.stderr
    p = convert(json.loads(out.read_text()), RunMeta())
    counts = {(r.type, r.line): r.count for r in p.exceptions if r.file == str(prog)}
    assert counts[("ValueError", line_of(prog, "VALUE ERROR"))] == 500
    assert counts[("KeyError", line_of(prog, "KEY ERROR"))] == 1
