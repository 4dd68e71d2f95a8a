"""pyproject.toml and the wheel build say what they need: the build backend's real minimum, an isolated
build, and Python versions that match the pinned packages' own Requires-Python (read from the installed
distributions, which are the pinned versions)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Optional

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _floor(spec: str) -> Optional[Version]:
    """The lowest version a `>=X` specifier allows (None without one)."""
    found = [Version(m) for m in re.findall(r">=\s*([\d.]+)", spec)]
    return max(found) if found else None


def test_build_backend_minimum_reads_the_license_string() -> None:
    assert isinstance(PYPROJECT["project"]["license"], str)  # PEP 639 SPDX string: setuptools >= 77
    setuptools = next(Requirement(r) for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools"))
    assert _floor(str(setuptools.specifier)) >= Version("77")


def test_the_wheel_is_built_in_isolation() -> None:
    script = (ROOT / "esbuild.mjs").read_text()
    assert "'wheel'" in script and "--no-build-isolation" not in script


def test_requires_python_and_extras_markers_match_the_pins() -> None:
    floor = _floor(PYPROJECT["project"]["requires-python"])
    assert floor is not None
    groups = {"": PYPROJECT["project"]["dependencies"], "test": PYPROJECT["project"]["optional-dependencies"]["test"]}
    problems = []
    for group, reqs in groups.items():
        for text in reqs:
            req = Requirement(text)
            try:
                needs = _floor(metadata.metadata(req.name).get("Requires-Python") or "")
            except metadata.PackageNotFoundError:
                continue  # not installed here (a marker left it out): nothing to compare
            marker = _floor(re.sub(r"python_version\s*", "", str(req.marker or "")).replace("'", "").replace('"', ""))
            allowed = max(floor, marker) if marker else floor
            if needs is not None and needs > allowed:
                problems.append(f"{group or 'dependencies'}: {req.name} needs Python >= {needs}, allowed from {allowed}")
    assert not problems, problems
