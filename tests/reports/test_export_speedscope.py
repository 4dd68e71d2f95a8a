"""speedscope export validates against speedscope's published schema (tests/fixtures/schemas)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from heatlens.model import Profile
from heatlens.reports.export import export

SCHEMA = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "schemas" / "speedscope-file-format-schema.json").read_text()
)


def _load(profile, tmp_path):
    out = tmp_path / "run.speedscope.json"
    export(profile, "speedscope", str(out))
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, SCHEMA)
    return doc


def test_sampled_from_stacks(profile, paths, tmp_path):
    doc = _load(profile, tmp_path)
    frames = doc["shared"]["frames"]
    assert frames[1] == {"name": "join_orders", "file": paths["app"], "line": 4}
    assert frames[5] == {"name": "<built-in method builtins.len>"}  # native: no file
    (prof,) = doc["profiles"]
    assert prof["type"] == "sampled" and prof["unit"] == "seconds"
    assert prof["samples"][0] == [0, 1] and prof["weights"][0] == 7.0
    assert prof["endValue"] == pytest.approx(10.0)


def test_evented_from_timeline_nests_per_thread(timeline_profile, tmp_path):
    doc = _load(timeline_profile, tmp_path)
    names = [f["name"] for f in doc["shared"]["frames"]]
    assert {p["type"] for p in doc["profiles"]} == {"evented"}
    main = next(p for p in doc["profiles"] if p["name"].endswith("MainThread"))
    stack = []
    for ev in main["events"]:  # every close matches the innermost open frame
        if ev["type"] == "O":
            stack.append(ev["frame"])
        else:
            assert stack.pop() == ev["frame"]
    assert not stack
    opened = [names[e["frame"]] for e in main["events"] if e["type"] == "O"]
    assert opened == ["main", "join_orders", "builtins.len", "load"]
    assert main["endValue"] == 10.0


def test_functions_only_and_empty_profiles_still_validate(profile, tmp_path):
    profile.stacks, profile.frames = [], []
    doc = _load(profile, tmp_path)
    assert sum(doc["profiles"][0]["weights"]) == pytest.approx(10.0)
    _load(Profile(), tmp_path)
