"""Reports and exports of a profile from a real run of the runner (whatever backend `auto` picks)."""

from __future__ import annotations

import csv
import json
import pstats
from pathlib import Path

import jsonschema
import pytest

from heatlens.backends.base import Target
from heatlens.model import FailureKind, from_dict
from heatlens.reports import render
from heatlens.reports.export import export

PROGRAM = '''
def hot(n):
    s = 0
    for i in range(n):
        s = (s + i * i) % 1000003
    return s


def cold(n):
    return sum(range(n))


if __name__ == "__main__":
    for _ in range(8):
        hot(500_000)
    cold(1000)
'''
SCHEMA = Path(__file__).parent.parent / "fixtures" / "schemas" / "speedscope-file-format-schema.json"


@pytest.fixture(scope="module")
def real_profile(tmp_path_factory):
    try:
        from heatlens.run import RunOptions, profile_target_sync
    except ImportError as exc:  # pragma: no cover - only while the runner is being written
        pytest.skip(f"runner not available yet: {exc}")
    root = tmp_path_factory.mktemp("realrun")
    script = root / "prog.py"
    script.write_text(PROGRAM)
    try:
        result = profile_target_sync(Target(kind="script", value=str(script), cwd=str(root)),
                                     RunOptions(timeout=120, project_root=str(root)))
    except (ImportError, AttributeError) as exc:  # the backend registry is still being written
        pytest.skip(f"runner/backends not complete yet: {exc}")
    if result.profile is None and result.failure.kind is FailureKind.BACKEND_MISSING:
        pytest.skip(f"no backend available: {result.failure.message}")
    assert result.failure.ok, (result.failure, result.stderr[-2000:])
    assert result.profile is not None
    return result.profile, root


def test_summary_of_a_real_run_puts_hot_first(real_profile):
    profile, root = real_profile
    data = json.loads(render(profile, "summary", "json", project_root=str(root)))
    assert data["total_seconds"] > 0
    assert data["split"]["user"]["share"] > 0.5  # the program is almost all `hot`
    if data["top_functions"]:
        assert data["top_functions"][0]["function"] == "hot"
    if data["top_lines"]:
        assert data["top_lines"][0]["function"] == "hot" and data["top_lines"][0]["path"] == "prog.py"
    assert data["top_functions"] or data["top_lines"]
    for kind in ("details", "libraries", "raw", "all"):
        for fmt in ("text", "md", "json"):
            assert render(profile, kind, fmt, project_root=str(root))


def test_exports_of_a_real_run_load_back(real_profile, tmp_path):
    profile, root = real_profile
    out = {fmt: tmp_path / f"run.{fmt}" for fmt in ("json", "csv", "html", "speedscope", "chrome", "pstats", "md")}
    for fmt, path in out.items():
        export(profile, fmt, str(path), project_root=str(root))
    assert from_dict(json.loads(out["json"].read_text())).meta.target == profile.meta.target
    with open(out["csv"], newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert any(r["function"] == "hot" or (r["kind"] == "line" and r["file"].endswith("prog.py")) for r in rows)
    jsonschema.validate(json.loads(out["speedscope"].read_text()), json.loads(SCHEMA.read_text()))
    for ev in json.loads(out["chrome"].read_text())["traceEvents"]:
        assert all(k in ev for k in ("ph", "ts", "dur", "pid", "tid", "name"))
    stats = pstats.Stats(str(out["pstats"]))
    assert any(key[2].endswith("hot") for key in stats.stats)  # type: ignore[attr-defined]
    assert "hot" in out["html"].read_text()
