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
    assert text.startswith("3.41 s wall = 1.59 s CPU measured per line (the shares below) + 1.59 s blocked or waiting"
                           " (I/O, sleep, locks, child processes, a core)")
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
    assert "outside the program" not in text  # the fixture's backend does not know the program's own span
    assert "Shares are of" not in text and "wall time" not in text
    data = json.loads(render(profile, "summary", "json"))
    assert data["time_account"]["not_seen"] == pytest.approx(0.0)


def test_the_program_s_own_span_leaves_heatlens_s_start_and_end_outside_and_the_parts_add_up() -> None:
    acc = account(1.0, 0.7, 0.65, at.LINES_CPU, program_wall=0.9, core_wait=0.05, paused_reads=200,
                  memory_stops=0.04)
    assert acc["outside"] == pytest.approx(0.1) and acc["core_wait"] == pytest.approx(0.05)
    assert acc["memory_stops"] == pytest.approx(0.04)
    assert acc["waiting"] == pytest.approx(0.11) and acc["not_seen"] == pytest.approx(0.05)
    parts = ("measured", "core_wait", "memory_stops", "waiting", "not_seen", "outside")
    assert sum(acc[k] for k in parts) == pytest.approx(1.0)
    assert sentence(acc) == (
        "1.00 s wall = 650.0 ms CPU measured per line (the shares below) + 50.0 ms waiting for a core + 40.0 ms "
        "stopped by heatlens to read where memory grew + 110.0 ms blocked or waiting (I/O, sleep, locks, child "
        "processes) or stopped for the sampler's 200 reads + 50.0 ms not seen by the profiler (7.1%: between "
        "samples) + 100.0 ms outside the program (the interpreter starting, the sampler attaching, the run ending).")


def test_a_wait_for_a_core_is_never_more_than_the_time_off_cpu_and_threads_at_once_keep_the_outside_apart() -> None:
    acc = account(1.0, 0.85, 0.85, at.LINES_CPU, program_wall=0.9, core_wait=0.3)
    assert acc["core_wait"] == pytest.approx(0.05) and acc["waiting"] == pytest.approx(0.0)
    stops = account(1.0, 0.85, 0.85, at.LINES_CPU, program_wall=0.9, core_wait=0.3, memory_stops=0.5)
    assert (stops["memory_stops"], stops["core_wait"]) == (pytest.approx(0.05), pytest.approx(0.0))
    both = account(1.0, 1.6, 1.5, at.LINES_CPU, program_wall=0.9)
    assert both["cpu_in_parallel"] and both["waiting"] is None
    assert sentence(both) == ("1.60 s CPU in 900.0 ms wall (threads or processes at once) = 1.50 s CPU measured per "
                              "line (the shares below) + 100.0 ms not seen by the profiler (6.3%: between samples); "
                              "and 100.0 ms outside the program (the interpreter starting, the sampler attaching, "
                              "the run ending).")
    assert account(1.0, 0.5, 0.5, at.LINES_CPU, program_wall=1.2)["program_wall"] is None  # past the wall: unknown


SLEEPER = """import time
def work():
    t = time.process_time()
    while time.process_time() - t < 0.3:
        pass
work()
blob = b"x" * (200 << 20)  # a large block filled at once: heatlens stops the program to read this line
time.sleep(0.4)
"""


def test_a_real_run_s_wait_is_the_program_s_and_its_start_up_is_outside(tmp_path) -> None:
    """The default backend, a program that computes 0.3 s and sleeps 0.4 s: the sleep is the program's time off
    CPU, the interpreter starting and the sampler attaching are outside it, the parts add up to the wall time and
    the lines' CPU is no more than the CPU used (before, the whole command's wall time, start-up included, was the
    program's, and a read's pause could make the lines' time exceed the CPU)."""
    from heatlens.backends.base import Target
    from heatlens.run import RunOptions, profile_target_sync
    script = tmp_path / "sleeper.py"
    script.write_text(SLEEPER)
    result = profile_target_sync(Target(kind="script", value=str(script), cwd=str(tmp_path)), RunOptions())
    assert result.failure.ok and result.profile is not None, result.failure
    if result.profile.meta.backend != "pyspy":
        pytest.skip("py-spy cannot read programs here: " + "; ".join(result.profile.meta.notes)[:300])
    data = json.loads(render(result.profile, "summary", "json"))
    acc = data["time_account"]
    assert 0.7 <= acc["program_wall"] < acc["wall"] and acc["outside"] > 0, acc
    # the sleep is the program's time off CPU (heatlens's stops can overlap it: a late read of the block lands in it)
    off_cpu = acc["waiting"] + (acc["core_wait"] or 0.0) + (acc["memory_stops"] or 0.0)
    assert off_cpu >= 0.37 and acc["measured"] <= acc["cpu"] + 1e-9, acc
    assert result.profile.meta.paused_reads and result.profile.meta.paused_reads > 50, result.profile.meta
    assert acc["memory_stops"] > 0, acc  # told apart from the program's own waits
    parts = [acc[k] or 0.0 for k in ("measured", "core_wait", "memory_stops", "waiting", "not_seen", "outside")]
    assert sum(parts) == pytest.approx(acc["wall"], abs=1e-6), acc
    assert "outside the program" in render(result.profile, "summary", "text")
