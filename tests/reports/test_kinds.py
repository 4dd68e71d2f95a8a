"""details, libraries, raw and all: the right rows with the fixture's numbers."""

from __future__ import annotations

import json

import pytest

from heatlens.reports import render


def test_details_groups_your_functions_by_module(profile):
    data = json.loads(render(profile, "details", "json"))
    assert [m["path"] for m in data["modules"]] == ["app.py"]
    module = data["modules"][0]
    assert [f["function"] for f in module["functions"]] == ["join_orders", "load", "main"]
    assert module["self_share"] == pytest.approx(0.75)
    text = render(profile, "details", "text")
    assert "app.py — 7.50 s self, 75.0%" in text and "dot" not in text  # a library function is not yours


def test_libraries_by_package_stdlib_and_native(profile):
    data = json.loads(render(profile, "libraries", "json"))
    assert data["non_user_share"] == pytest.approx(0.25)
    assert data["packages"] == [{"name": "numpy", "seconds": 0.5, "share": pytest.approx(0.05)}]
    assert [r["name"] for r in data["stdlib"]] == ["json"]
    assert data["native"][0]["name"] == "<built-in method builtins.len>"
    assert data["import_seconds"] is None
    md = render(profile, "libraries", "md")
    assert "| numpy | 500.0 ms | 5.0% |" in md and "Native code — 1.50 s, 15.0%" in md


def test_import_time_from_stacks(profile):
    profile.frames.append(type(profile.frames[0])("_find_and_load", "<frozen importlib._bootstrap>", 1))
    loader = len(profile.frames) - 1
    profile.stacks[2].frames = [0, loader, 2]  # the 0.5 s in load now happens under an import
    data = json.loads(render(profile, "libraries", "json"))
    assert data["import_seconds"] == pytest.approx(0.5)
    profile.extras["imports"] = {"numpy": 0.25, "json": 0.05}
    assert json.loads(render(profile, "libraries", "json"))["import_seconds"] == pytest.approx(0.3)


def test_raw_is_pstats_like_over_all_functions(profile):
    data = json.loads(render(profile, "raw", "json"))
    rows = data["functions"]
    assert len(rows) == 6 and rows[0]["function"] == "join_orders"
    native = next(r for r in rows if r["function"].startswith("<built-in"))
    assert native["ncalls"] == 1000 and native["tottime_percall"] == pytest.approx(0.0005)
    text = render(profile, "raw", "text")
    assert "ncalls" in text and "filename:lineno(function)" in text
    line = next(ln for ln in text.splitlines() if "app.py:4(join_orders)" in ln)
    assert line.split()[:5] == ["3", "7.000000", "2.333333", "7.500000", "2.500000"]
    assert "~:0(<built-in method builtins.len>)" in text


def test_all_has_every_kind(profile):
    data = json.loads(render(profile, "all", "json"))
    assert [r["kind"] for r in data["reports"]] == ["summary", "details", "libraries", "raw"]
    text = render(profile, "all", "text")
    for title in ("heatlens summary", "heatlens details", "heatlens libraries", "heatlens raw"):
        assert title in text
