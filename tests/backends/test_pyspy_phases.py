"""py-spy's rate steps down in longer runs: the records of the two py-spys, real runs read at two rates."""

from __future__ import annotations

import sys
from pathlib import Path

import psutil
import pytest
from heatlens.backends import pyspy, pyspy_phases
from heatlens.backends.base import BackendOptions, Target
from heatlens.model import FailureKind

import heatlens_backend_harness as H  # noqa: E402  (registered by conftest.py)

needs_pyspy = pytest.mark.skipif(pyspy.find_pyspy() is None or not sys.platform.startswith("linux"),
                                 reason="py-spy binary and /proc needed")

# two functions, each busy for the same CPU time one after the other: the second runs mostly after the switch
TWO_HALVES = """\
import sys, time

def first_half(n):
    s = 0
    for i in range(n):
        s += i * i
    return s

def second_half(n):
    s = 0
    for i in range(n):
        s += i % 7
    return s

for work in (first_half, second_half):
    t = time.process_time()
    while time.process_time() - t < float(sys.argv[1]):
        work(5000)
"""


def test_the_next_py_spy_reads_at_the_later_rate_to_the_end_into_its_own_file() -> None:
    record = ["py-spy", "record", "-f", "raw", "-r", "250", "--full-filenames", "-t", "-d", "2", "-o", "/o/pyspy.txt"]
    assert pyspy_phases.stepped(record) and not pyspy_phases.stepped(pyspy_phases.without_duration(record))
    assert pyspy_phases.without_duration(record) == record[:8] + ["-o", "/o/pyspy.txt"]
    assert pyspy_phases.later_record(record, "/o") == [
        "py-spy", "record", "-f", "raw", "-r", "100", "--full-filenames", "-t", "-o", "/o/" + pyspy_phases.LATER_OUTPUT,
    ]


def test_the_step_down_is_asked_for_at_the_default_interval_only(tmp_path: Path) -> None:
    if pyspy.find_pyspy() is None:
        pytest.skip("py-spy binary not installed")
    target = Target("script", "/p/x.py")
    default = pyspy.PySpyBackend().command(target, "/py", tmp_path, BackendOptions())
    record = default[default.index("record"):default.index("--")]
    assert record[record.index("-d") + 1] == str(pyspy_phases.FIRST_SECONDS)
    assert record[record.index("-r") + 1] == str(pyspy.DEFAULT_RATE)
    given = pyspy.PySpyBackend().command(target, "/py", tmp_path, BackendOptions(sample_interval=0.002))
    assert "-d" not in given  # an interval the user chose is kept to the end


def test_samples_of_two_rates_weigh_their_own_intervals() -> None:
    first = "<module> (/p/x.py:1);f (/p/x.py:3) 250\n"
    later = "<module> (/p/x.py:1);g (/p/x.py:7) 100\n"
    profile = pyspy.parse_raw(first, 250.0, "/", main_tid=None, launcher=False, later=(later, 100.0))
    lines = profile.files[0].by_line()
    assert (lines[3].cpu, lines[7].cpu) == (pytest.approx(1.0), pytest.approx(1.0))  # a second each
    assert (lines[3].samples, lines[7].samples) == (250, 100)  # what each line's noise is judged by


def _halves(tmp_path: Path, seconds: float, timeout: float = 300) -> H.Run:
    """TWO_HALVES, each half busy for `seconds` of CPU, through the default backend with memory off."""
    script = tmp_path / "halves.py"
    script.write_text(TWO_HALVES)
    return H.run(pyspy.PySpyBackend(), Target("script", str(script), args=[str(seconds)], cwd=str(tmp_path)),
                 BackendOptions(memory="off"), timeout=timeout)


@needs_pyspy
def test_a_long_run_is_read_at_two_rates_and_its_halves_stay_halves(tmp_path: Path, monkeypatch) -> None:
    # the step down after 1 s, not 2: the next py-spy takes over only once it samples, which a loaded machine
    # delays (CI: ~0.4 s more at 250 Hz), and a 3 s run stepping at 2 s left the reads 5 % under the bound
    monkeypatch.setattr(pyspy, "FIRST_SECONDS", 1)
    run = _halves(tmp_path, 1.6)
    assert run.failure.kind is FailureKind.OK, run.failure
    assert run.profile is not None
    notes = " ".join(run.profile.meta.notes)
    assert f"then {pyspy_phases.LATER_RATE} times" in notes, notes
    fns = {f.qualname: f.self_time for f in run.profile.functions}
    share = fns["second_half"] / (fns["first_half"] + fns["second_half"])
    # counted at one weight, the second half's reads at 100 Hz would show ~34 %; each half is the same CPU, but a
    # sampler counts a thread waiting for a core as running, so a busy machine during one half tips it (a full
    # suite run read 43 %): the bounds tell the weighting, not the machine's load
    assert 0.40 <= share <= 0.60, fns
    samples = sum(s.samples for f in run.profile.files for s in f.lines)
    wall = run.profile.meta.wall_time
    # one rate throughout reads ~830 times; stepping at 1 s ~480, and a take-over 1 s late ~630
    assert samples < 0.8 * wall * pyspy.DEFAULT_RATE, (samples, wall)


@needs_pyspy
def test_a_short_run_is_read_at_one_rate(tmp_path: Path) -> None:
    run = _halves(tmp_path, 0.2)
    assert run.failure.kind is FailureKind.OK, run.failure
    assert run.profile is not None and not any("then 100 times" in n for n in run.profile.meta.notes)
    assert not any("reported an error" in n for n in run.profile.meta.notes)


def _our_pyspys(mark: str) -> set:
    """The py-spy processes that this test's run started: they inherit its environment's mark (a run beside
    the suite holds py-spys of its own)."""
    found = set()
    for p in psutil.process_iter(["name"]):
        try:
            if p.info["name"] == "py-spy" and p.environ().get("HEATLENS_TEST_MARK") == mark:
                found.add(p.pid)
        except psutil.Error:  # gone meanwhile, or not ours to read
            pass
    return found


@needs_pyspy
def test_a_run_stopped_after_the_switch_keeps_both_py_spys_reads_and_leaves_none_running(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEATLENS_TEST_MARK", str(tmp_path))
    run = _halves(tmp_path, 30, timeout=4)
    assert run.failure.kind is FailureKind.TIMEOUT, run.failure
    assert run.profile is not None
    assert any(f"then {pyspy_phases.LATER_RATE} times" in n for n in run.profile.meta.notes)
    assert {f.qualname for f in run.profile.functions} >= {"first_half"}
    assert not _our_pyspys(str(tmp_path))


def test_a_relay_stopped_before_the_program_went_starts_no_second_py_spy(tmp_path: Path) -> None:
    # py-spy could not attach, so the program never went: the wrapper stops the relay at once
    fake_spy = [sys.executable, "-c", "import time; print('Sampling process', flush=True); time.sleep(0.3)"]
    with open(tmp_path / "err", "wb") as err:
        relay = pyspy_phases.SpyRelay([*fake_spy, "-d", "0.1"], psutil.Process().pid, str(tmp_path), err)
        relay.stop()
    assert relay.later is None and relay.first.returncode is not None
    assert relay._watch is not None and not relay._watch.is_alive()  # not left waiting for a go
    assert not (tmp_path / pyspy_phases.LATER_LOG).exists()


def test_a_second_py_spy_still_attaching_as_the_program_ends_is_not_waited_for(tmp_path: Path) -> None:
    # found through the run's time account: programs ending just after the switch (2.0-2.4 s) spent ~0.4 s more
    # "outside the program", the second py-spy attaching to a program that was gone; the first read to the end
    fake_spy = [sys.executable, "-c",
                "import sys, time\n"
                "if sys.argv[sys.argv.index('-r') + 1] == '%d': time.sleep(30)  # the second: attaching\n"
                "print('Sampling process', flush=True); time.sleep(0.3)\n" % pyspy_phases.LATER_RATE]
    with open(tmp_path / "err", "wb") as err:
        relay = pyspy_phases.SpyRelay([*fake_spy, "-r", "250", "-d", "0.1", "-o", str(tmp_path / "out")],
                                      psutil.Process().pid, str(tmp_path), err)
        relay.go()
        while relay.later is None and relay._watch.is_alive():
            relay._watch.join(0.05)
        relay.stop()
    assert relay.later is not None and relay.later.returncode == -9  # killed, not waited for
    assert relay.first.returncode == 0  # never told to stop: its reads go to the program's end
