"""The summary's time line: each total labelled, the parts adding up to the wall time."""

from __future__ import annotations

import json

import pytest

from heatlens.reports import attribution as at
from heatlens.reports import render
from heatlens.reports.time_account import account, sentence


def test_cpu_basis_parts_add_up_to_wall() -> None:
    acc = account(3.41, 1.82, 1.59, at.LINES_CPU)
    assert acc["waiting"] == pytest.approx(1.59) and acc["not_seen"] == pytest.approx(0.23)
    assert acc["measured"] + acc["waiting"] + acc["not_seen"] == pytest.approx(3.41)
    text = sentence(acc)
    assert text.startswith("3.41 s wall = 1.59 s CPU measured per line (the shares below) + 1.59 s blocked or waiting")
    assert "+ 230.0 ms not seen by the profiler (12.6%: start-up, between samples)." in text


def test_parallel_cpu_adds_up_to_cpu_not_wall() -> None:
    acc = account(1.5, 3.2, 3.0, at.LINES_CPU)
    assert acc["cpu_in_parallel"] and acc["waiting"] is None
    assert sentence(acc).startswith("3.20 s CPU in 1.50 s wall (threads or processes at once) = 3.00 s CPU measured")


def test_wall_basis_names_cpu_inside_wall() -> None:
    text = sentence(account(3.41, 1.82, 3.0, at.LINES_WALL))
    assert text.startswith("3.41 s wall (1.82 s of it on CPU) = 3.00 s measured per line (the shares below)")
    assert "410.0 ms not seen by the profiler" in text


def test_unknown_totals_still_say_what_the_shares_are_of() -> None:
    assert sentence(account(None, None, 2.0, at.LINES_CPU)) == "2.00 s CPU measured per line (the shares below)."


def test_summary_text_has_one_time_line(profile) -> None:
    text = render(profile, "summary", "text")
    assert "Time: 12.00 s wall = 10.00 s CPU measured per line (the shares below) + 2.00 s blocked or waiting" in text
    assert "Shares are of" not in text and "wall time" not in text
    data = json.loads(render(profile, "summary", "json"))
    assert data["time_account"]["not_seen"] == pytest.approx(0.0)
