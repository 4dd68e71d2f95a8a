"""The summary's "Processes" section (heatlens.reports.processes): shares of CPU per process, shown only
when a run has more than one process. Real runs are in tests/backends/test_agent_children.py."""

from __future__ import annotations

import pytest

from heatlens.model import ProcessInfo, Profile
from heatlens.reports import document as doc
from heatlens.reports import make_scope, processes, summary


def two_processes() -> Profile:
    return Profile(processes=[
        ProcessInfo(pid=10, argv=["python", "main.py"], cpu_time=1.0, wall_time=2.0, samples=250),
        ProcessInfo(pid=11, parent_pid=10, name="SpawnPoolWorker-1", start="exec", cpu_time=3.0,
                    argv=["python", "-c", "from multiprocessing.spawn import spawn_main"], complete=False),
    ])


def test_shares_are_of_all_processes_cpu() -> None:
    data = processes.summarize(two_processes())
    assert data is not None and data["total_cpu"] == pytest.approx(4.0)
    assert [(r["pid"], r["share"]) for r in data["processes"]] == [(10, 0.25), (11, 0.75)]
    text = doc.to_text(processes.blocks(data))
    assert "Processes" in text and "SpawnPoolWorker-1" in text and "exec (killed)" in text and "75" in text


def test_no_section_for_a_single_process() -> None:
    assert processes.summarize(Profile()) is None
    assert processes.summarize(Profile(processes=[ProcessInfo(pid=1)])) is None
    assert processes.blocks(None) == []


def test_summary_carries_the_section() -> None:
    data = summary.build(make_scope(two_processes()))
    assert data["processes"]["processes"][1]["name"] == "SpawnPoolWorker-1"
    assert "Processes" in doc.to_text(summary.blocks(data))
