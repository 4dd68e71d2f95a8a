"""Memory per line from resident-memory steps (pyspy_memory.attribute): frees back to the newest allocations,
growth that ended before its line was read, the plateau's flat tail, what goes unattributed, and allocation
windows that say which line kept memory made between computation (unit tests, then real py-spy runs)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, List, Optional, Tuple

import pytest
from heatlens.analysis import leaks
from heatlens.backends import pyspy
from heatlens.backends.base import Target
from heatlens.backends.pyspy_memory import MB, SNAPSHOT_GAP, attribute
from heatlens.model import FailureKind

import heatlens_backend_harness as H  # noqa: E402  (registered by conftest.py)

FILE = "/p/app.py"


def at(line: int) -> List[List[object]]:
    return [["<module>", "<string>", 25], ["work", FILE, line]]  # the launcher's frame, then the program's


def locate(frames: List[Tuple[str, str, int]]) -> Optional[Tuple[str, int]]:
    program = [f for f in frames if f[1] == FILE]
    return (FILE, program[-1][2]) if program else None


def mb(n: float) -> int:
    return int(n * MB)


def test_a_free_goes_back_to_the_newest_allocation_and_nothing_is_kept_below_zero() -> None:
    events = [
        [0.10, mb(200), "MainThread", at(12)],  # kept
        [0.40, mb(100), "MainThread", at(15)],  # transient ...
        [0.45, -mb(100), "MainThread", at(8)],  # ... freed while another line runs
        [0.80, mb(50), "MainThread", at(18)],
        [0.90, -mb(400), "MainThread", at(8)],  # more than was ever seen: memory from before the program
    ]
    found = attribute(events, [[1.0, mb(300)]], locate)
    lines = {k[1]: (round(v.alloc_mb), round(v.peak_mb), round(v.live_mb)) for k, v in found.lines.items()}
    assert lines == {12: (200, 200, 0), 15: (100, 100, 0), 18: (50, 50, 0)}
    assert all(v.live_mb >= 0 for v in found.lines.values())


def test_lifo_keeps_a_kept_buffer_when_a_later_transient_is_freed() -> None:
    events = [[0.1, mb(200), "t", at(12)], [0.4, mb(100), "t", at(15)], [0.5, -mb(100), "t", at(8)]]
    found = attribute(events, [[0.6, mb(200)]], locate)
    assert found.lines[(FILE, 12)].live_mb == pytest.approx(200)
    assert found.lines[(FILE, 15)].peak_mb == pytest.approx(100) and found.lines[(FILE, 15)].live_mb == 0


def test_growth_that_stopped_before_the_read_belongs_to_the_streaks_line() -> None:
    # [t, changed up to the trigger, thread, frames, changed until the read, seconds since the previous read, stopped]
    events = [
        [0.10, mb(20), "t", at(12), mb(40), 0.5, False],  # read while line 12 was still growing
        [0.15, mb(30), "t", at(8), 0, 0.05, False],  # growth had ended when line 8 was read: it is line 12's
        [2.00, 0, "t", at(8), mb(10), 1.8, False],  # a new, lone step: line 8's own
        [2.04, mb(5), "t", at(8), 0, 0.04, True],  # stopped for the read: line 8 was running, whatever the gap
    ]
    found = attribute(events, [[2.1, mb(100)]], locate)
    assert found.lines[(FILE, 12)].alloc_mb == pytest.approx(90)
    assert found.lines[(FILE, 8)].alloc_mb == pytest.approx(15)


def test_a_free_then_new_growth_in_one_event_frees_first_then_grows_the_line_read() -> None:
    events = [
        [0.1, mb(200), "t", at(27), 0, 0.5, True],
        [0.5, -mb(200), "t", at(27), mb(50), 0.4, True],  # the buffer dropped, the next one already growing
        [0.6, mb(150), "t", at(27), 0, 0.1, True],
        [0.9, -mb(200), "t", at(40), 0, 0.3, True],
    ]
    found = attribute(events, [[1.0, mb(10)]], locate)
    line = found.lines[(FILE, 27)]
    assert (line.peak_mb, line.live_mb) == (pytest.approx(200), pytest.approx(0))


def test_steps_outside_the_program_are_counted_apart() -> None:
    events = [[0.1, mb(8), "t", [["<module>", "<frozen site>", 3]]], [0.2, mb(4), "t", at(3)]]
    found = attribute(events, [], locate)
    assert found.unattributed_mb == pytest.approx(8) and list(found.lines) == [(FILE, 3)]


def test_growth_on_no_line_is_freed_first_where_it_is_the_newest() -> None:
    # a 96 MB block's last 20 MB was read late, once the program had gone on into the launcher's end (no line of
    # its own), then the block was freed: the free took 20 MB off the 64 MB kept before (1 run in ~60 beside a
    # busy machine, test_pyspy_wrapper's last-transient program)
    events = [[0.1, mb(64), "t", at(3)], [0.4, mb(76), "t", at(8)],
              [0.5, mb(20), "t", [["<module>", "<string>", 68], ["_status", "<string>", 12]]],
              [0.52, -mb(96), "t", [["<module>", "<string>", 68]]]]
    found = attribute(events, [[0.6, mb(64)]], locate)
    assert found.lines[(FILE, 3)].live_mb == pytest.approx(64)
    assert (found.lines[(FILE, 8)].peak_mb, found.lines[(FILE, 8)].live_mb) == (pytest.approx(76), 0)
    assert found.unattributed_mb == pytest.approx(20)  # told as grown on no line, as before


def test_the_live_series_runs_to_the_end_so_a_plateau_is_no_leak_and_steady_growth_is() -> None:
    plateau = [[0.05 * i, mb(5), "t", at(9)] for i in range(1, 10)]  # fills in 0.5 s, then 2.5 s flat
    steady = [[0.1 * i, mb(5), "t", at(8)] for i in range(1, 30)]  # keeps growing to the end
    for events, leaking in ((plateau, False), (steady, True)):
        found = attribute(events, [[3.0, mb(200)]], locate)
        assert found.snapshot_times[-1] == pytest.approx(3.0, abs=SNAPSHOT_GAP)
        assert all(len(t.live_mb) == len(found.snapshot_times) for t in found.tracks)
        assert bool(leaks.detect(found.snapshot_times, found.tracks)) is leaking


def test_a_single_late_allocation_is_no_leak() -> None:
    events = [[2.0, mb(50), "t", at(18)]]
    found = attribute(events, [[3.0, mb(50)]], locate)
    assert leaks.detect(found.snapshot_times, found.tracks) == []


def test_a_step_read_long_after_a_quiet_spell_grows_where_resident_memory_rose() -> None:
    # read at 0.1 s, then nothing for 1.6 s; a dict built at 1.7-1.9 s is read at 2.0 s (reads are spaced and
    # budgeted): its line's live memory rises at 1.7 s, not steadily from 0.1 s like a leak
    events = [[0.1, mb(5), "t", at(9)], [2.0, mb(40), "t", at(12)]]
    series = [[0.05 * i, mb(10)] for i in range(34)] + [[1.75, mb(30)], [1.8, mb(45)], [1.85, mb(50)], [1.9, mb(50)],
                                                        [2.0, mb(50)], [3.0, mb(50)]]
    found = attribute(events, series, locate)
    track = next(t for t in found.tracks if t.line == 12)
    times = found.snapshot_times
    assert max(v for t, v in zip(times, track.live_mb) if t <= 1.6) == pytest.approx(0, abs=0.01)
    assert track.live_mb[-1] == pytest.approx(40)
    # without a series inside the span (the poller saw no points): spread evenly, as before
    even = attribute(events, [[3.0, mb(50)]], locate)
    assert next(t for t in even.tracks if t.line == 12).live_mb[10] > 10


# --- allocation windows: the line read is when memory grew; the windows say which line kept it ---------------

def window(start: float, kept: dict, cpu: float = 0.005) -> Tuple[float, float, float, dict]:
    return (start, start + 0.01, cpu, {(FILE, line): mb for line, mb in kept.items()})


def test_growth_read_on_a_computing_line_goes_to_the_line_the_windows_saw_keep_memory() -> None:
    # every read finds the hashing line 7 running; the windows see line 8 keep ~0.5 MB per 5 ms of CPU (and a
    # temporary of line 7 alive at the window's end)
    events = [[0.1 * i, mb(4), "t", at(7), 0, 0.1, True, 0.1 * i] for i in range(1, 30)]
    windows = [window(0.05 + 0.3 * k, {8: 0.5, 7: 0.025}) for k in range(10)]
    found = attribute(events, [[3.0, mb(116)]], locate, windows)
    assert found.lines[(FILE, 8)].live_mb >= 0.9 * 116
    assert [(k.line) for k in leaks.detect(found.snapshot_times, found.tracks)][:1] == [8]


def test_windows_on_both_sides_that_saw_a_slow_leaks_few_kb_speak_for_the_steps_between() -> None:
    # a window that ends once its calls returned sees only what they keep: a slow leak's 24 KB; the steps read on
    # the computing line 14 between windows ~0.5 s apart went to line 14 while each side needed 32 KB by itself
    windows = [window(0.5 * k + 0.05, {19: 24 / 1024}) for k in range(8)]
    events = [[0.5 * k + 0.3, mb(3.5), "t", at(14), 0, 0.5, True, 0.5 * k + 0.3] for k in range(7)]
    found = attribute(events, [[4.0, mb(24.5)]], locate, windows)
    assert found.lines[(FILE, 19)].live_mb == pytest.approx(24.5) and (FILE, 14) not in found.lines


def test_a_line_seen_allocating_keeps_the_steps_read_on_it() -> None:
    # two phases: line 35 then line 36 keep memory; a step read on 36 right after 35's last window is 36's
    windows = [window(0.1, {35: 1.0}), window(0.4, {35: 1.0}), window(0.9, {36: 1.0})]
    events = [[0.2, mb(10), "t", at(35), 0, 0.2, True, 0.2], [0.5, mb(10), "t", at(36), 0, 0.3, True, 0.5]]
    found = attribute(events, [[1.0, mb(20)]], locate, windows)
    assert found.lines[(FILE, 35)].live_mb == pytest.approx(10) and found.lines[(FILE, 36)].live_mb == pytest.approx(10)


def test_windows_that_saw_nothing_kept_leave_the_step_to_the_line_read() -> None:
    # a dict's table being filled (no allocation) after a phase that kept memory: the windows of its own time say
    # nothing was allocated, so the growth stays where it was read
    windows = [window(0.1, {36: 2.0}), window(0.62, {}), window(0.85, {})]
    events = [[0.5, mb(4), "t", at(36), 0, 0.1, True, 0.5],
              [0.7, mb(6), "t", at(37), 0, 0.2, True, 0.7], [0.9, mb(6), "t", at(37), 0, 0.2, True, 0.9]]
    found = attribute(events, [[1.0, mb(16)]], locate, windows)
    assert found.lines[(FILE, 37)].live_mb == pytest.approx(12, rel=0.1)  # the old phase's window, far: a little
    idle = [(0.5, 0.6, 0.0, {(FILE, 36): 3.0})]  # the program hardly ran in it: it says nothing
    assert attribute(events, [[1.0, mb(16)]], locate, idle).lines[(FILE, 37)].live_mb == pytest.approx(12)


def test_a_step_read_on_a_line_windows_saw_make_only_temporaries_goes_to_the_nearest_windows_keeper() -> None:
    # benchmarks' csv_sales_rollup.py (blind): 2-5 windows in a 2 s run (tracing slows its sort 7 times), and the
    # reads, late, land on the sort (line 30), which windows saw make only a copy let go each round; the steps far
    # from any window stayed on it, with the leak finding there. The nearest window that saw memory kept says whose
    windows = [window(0.2, {32: 0.8})]
    events = [[0.5 + 0.2 * i, mb(2), "t", at(30), 0, 0.2, False, 0.5 + 0.2 * i] for i in range(12)]
    found = attribute(events, [[3.0, mb(24)]], locate, windows, allocating={(FILE, 30), (FILE, 32)})
    assert found.lines[(FILE, 32)].live_mb == pytest.approx(24) and (FILE, 30) not in found.lines
    # a line windows never saw allocate keeps what was read on it (a dict's table being filled)
    found = attribute(events, [[3.0, mb(24)]], locate, windows, allocating={(FILE, 32)})
    assert found.lines[(FILE, 30)].live_mb == pytest.approx(24, rel=0.1)


def test_a_fast_rise_read_on_its_line_stays_there_though_the_next_window_sees_another_line() -> None:
    # a 120 MB buffer filled by one C call (600 MB/s): no window sees it; the first one after it sees line 16's rows
    windows = [window(0.31, {16: 1.0}), window(0.6, {16: 1.0})]
    stopped = [[0.2, mb(2), "t", at(12), mb(60), 1.0, True, 0.3], [0.35, mb(2), "t", at(16), mb(2), 0.05, True, 0.4]]
    found = attribute(stopped, [[1.0, mb(66)]], locate, windows)
    assert found.lines[(FILE, 12)].peak_mb == pytest.approx(62)
    # unstopped, but read on the same line twice while it rose that fast
    twice = [[0.2, mb(2), "t", at(12), mb(60), 1.0, False, 0.3], [0.32, mb(2), "t", at(12), mb(56), 0.02, False, 0.42]]
    found = attribute(twice, [[1.0, mb(120)]], locate, windows)
    assert found.lines[(FILE, 12)].peak_mb >= 116
    # read once, unstopped: the line read may be a later one; a window open during the rise decides, one after it
    # (which could not see it) does not
    once = [[0.2, mb(2), "t", at(14), mb(60), 1.0, False, 0.3]]
    assert attribute(once, [[1.0, mb(62)]], locate, windows).lines[(FILE, 14)].peak_mb >= 60
    during = [window(0.25, {16: 1.0})] + windows
    assert attribute(once, [[1.0, mb(62)]], locate, during).lines[(FILE, 16)].peak_mb >= 60


PHASED = """\
import hashlib
def load(n):
    return {i: (str(i) * 3, i % 7) for i in range(n)}
def run(n):
    table = load(n)
    out = []
    for i in range(n):
        digest = hashlib.sha256(table[i][0].encode()).hexdigest()
        out.append(digest * 40)
    return out
run(60000)
"""


def test_a_window_of_the_next_phase_does_not_speak_for_a_step_read_before_it(tmp_path: Path) -> None:
    # a blind ETL program: its dict of 60 000 customers, built by one comprehension (line 3) and read there with
    # the program stopped, went to the batch loop's export line (9), which the first window saw keep, 37 ms later
    # (1 run in 4): the window began in the loop, after the comprehension's phase
    src = tmp_path / "etl.py"
    src.write_text(PHASED)
    f = str(src)
    def place(*lines: int) -> List[List[object]]:
        return [["<module>", "<string>", 101], ["<module>", f, 11]] + [["run", f, n] for n in lines]
    def where(frames: List[Tuple[str, str, int]]) -> Optional[Tuple[str, int]]:
        return next(((f, line) for _, file, line in reversed(frames) if file == f), None)
    events = [[0.0485, mb(2), "t", place(5, 3), mb(16), 1.05, True, 0.111],  # stopped: the comprehension runs
              [0.119, mb(2), "t", place(8), mb(1.5), 0.01, False, 0.18]]  # then the loop
    windows = [(0.148, 0.239, 0.084, {(f, 9): 0.09})]
    began = {0.148: [(f, 11), (f, 8)]}
    found = attribute(events, [[0.05, mb(12)], [0.2, mb(33.5)]], where, windows, began=began)
    assert found.lines[(f, 3)].peak_mb == pytest.approx(18), found.lines
    # without where the window began, it spoke for the comprehension's step (as before)
    assert attribute(events, [[0.05, mb(12)], [0.2, mb(33.5)]], where, windows).lines[(f, 3)].peak_mb < 3
    # a read comes late, never early: a window that ended just before a step read in the next phase may have seen
    # the growth of its own phase's end (the memory benchmark's kept_large.py: a list comprehension's last 8 MB, read
    # in the function called next); it still speaks
    late = [[0.12, mb(2), "t", place(8), mb(6), 1.0, False, 0.16]]
    before = [(0.08, 0.09, 0.005, {(f, 3): 0.5})]
    found = attribute(late, [[0.2, mb(8)]], where, before, began={0.08: [(f, 11), (f, 5), (f, 3)]})
    assert found.lines[(f, 3)].peak_mb == pytest.approx(8) and (f, 8) not in found.lines


# --- real py-spy runs, ground truth printed or known by construction ---------------------------------------

EXACT = Path(__file__).parents[1] / "fixtures" / "exact"
needs_pyspy = pytest.mark.skipif(pyspy.find_pyspy() is None, reason="py-spy binary not installed")


def marked(path: Path, mark: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.rstrip().endswith(f"# {mark}"))


def run(name: str) -> Any:
    path = EXACT / name
    result = H.run(pyspy.PySpyBackend(), Target("script", str(path), cwd=str(EXACT)))
    assert result.failure.kind is FailureKind.OK, result.failure
    return path, result, result.profile.file(str(path)).by_line()


@needs_pyspy
def test_a_leak_between_computation_is_on_its_line_within_a_quarter_and_found() -> None:
    path, result, lines = run("leak_between_work.py")
    truth = 2000 * 64 / 1024  # MiB kept by the LEAK line (requested bytes)
    leak = lines.get(marked(path, "LEAK"))
    assert leak is not None and 0.75 * truth <= leak.mem_peak_mb <= 1.25 * truth, leak
    found = {(Path(k.file).name, k.line): k for k in leaks.detect_in_profile(result.profile)}
    tracks = [(t.line, t.live_mb[::5]) for t in result.profile.line_memory_series]
    top = max(found.values(), key=lambda k: k.growth_mb, default=None)
    assert top is not None and (Path(top.file).name, top.line) == (path.name, marked(path, "LEAK")), tracks


@needs_pyspy
def test_a_slow_leak_beside_larger_temporaries_is_on_its_line_and_the_temporaries_are_no_leak() -> None:
    # benchmarks' block_leak_packets: windows ended inside a packet's call, where its temporaries outweighed the
    # payload the calls keep, and the leak's growth went to them (payload line 4-8 of 47 MB, leak findings on
    # the temporaries' lines); windows now end after the calls made in them have returned
    path, result, lines = run("leak_beside_temporaries.py")
    truth = 1000 * 24 / 1024  # MiB kept by the LEAK line (requested bytes)
    leak = lines.get(marked(path, "LEAK"))
    tracks = [(t.line, t.live_mb[::5]) for t in result.profile.line_memory_series]
    assert leak is not None and 0.6 * truth <= leak.mem_peak_mb <= 1.4 * truth, (leak, tracks)
    # the leak detector's shape tests miss a steady leak now and then (1 run in ~4 here, as with steady_leak.py):
    # what this asserts is that no line but the leak's is called one (the free-listed rows were, in every run)
    found = {k.line for k in leaks.detect_in_profile(result.profile) if Path(k.file).name == path.name}
    assert found <= {marked(path, "LEAK")}, found


@needs_pyspy
def test_a_leak_appended_to_between_long_sorts_is_on_its_line_and_the_sort_keeps_nothing() -> None:
    # benchmarks' csv_sales_rollup.py (blind): a window's middle and end fell anywhere in a round, so the sorted
    # copy made between them read as kept, and the leak's 120 MiB went to the sort's line, with the leak finding
    # there (3 runs of 3); a window now begins, has its middle and ends as the loop starts a round
    path, result, lines = run("rollup_history.py")
    truth = float(result.stdout.split("history_mb")[1].split()[0])
    leak, sort = lines.get(marked(path, "LEAK")), lines.get(marked(path, "SORT"))
    tracks = [(t.line, t.live_mb[::5]) for t in result.profile.line_memory_series]
    # (beside two busy loops the leak's line read 0.73x in 1 run of 8: its steps shared with the totals' line, whose
    # dict does grow, 2-3 MB, and was once called a leak too)
    assert leak is not None and 0.6 * truth <= leak.mem_peak_mb <= 1.25 * truth, (leak, sort, tracks)
    assert sort is None or sort.mem_peak_mb < 0.25 * truth, (sort, tracks)
    found = {k.line for k in leaks.detect_in_profile(result.profile) if Path(k.file).name == path.name}
    assert marked(path, "SORT") not in found, found


@needs_pyspy
def test_a_short_burst_is_on_its_line_not_on_the_computation_after_it() -> None:
    # a comprehension's 3.4 MB made in a few tens of ms: an unstopped read (a py-spy start, 10-50 ms) came after
    # it and put it on the next function's busiest line, or its loop's last one (CI painted memory heat there);
    # a rise fast enough to end before such a read is read with the program stopped. Two runs of three: where the
    # poller itself gets no core while the burst runs (a busy machine) it sees the rise only after it (1 run in
    # ~10 beside two busy loops); the code before got 1 run in 4 right. The burst comes in the program's first
    # lines: memory before the program is read once the launcher has done its own imports (test_pyspy_launcher.py)
    # and a rise is timed from there (before: 20 % of runs put the burst on the computation or on no line)
    right, seen = 0, []
    while right < 2 and len(seen) - right < 2:
        path, result, lines = run("burst_then_compute.py")
        burst = lines.get(marked(path, "BURST"))
        after = {n: round(s.mem_peak_mb, 1) for n, s in lines.items() if n > marked(path, "BURST") and s.mem_peak_mb >= 1}
        right += burst is not None and burst.mem_peak_mb >= 2.0 and not after
        seen.append((burst and round(burst.mem_peak_mb, 1), after))
    assert right == 2, seen


@needs_pyspy
def test_small_objects_between_computation_are_on_their_line_and_churn_keeps_nothing() -> None:
    path, result, lines = run("objects_between_work.py")
    truth = float(result.stdout.split("rows_mb_rounded")[1].split()[0])  # what resident memory can see
    objects, churn = lines.get(marked(path, "OBJECTS")), lines.get(marked(path, "CHURN"))
    # the goal is 25 %; resident memory also holds the list's over-allocation and partly used pymalloc pools,
    # and runs here measured 0.78-1.27x the rounded truth: 1.3 keeps a loaded CI machine from flaking
    assert objects is not None and 0.75 * truth <= objects.mem_peak_mb <= 1.3 * truth, objects
    assert churn is None or churn.mem_peak_mb < 10, churn
    # the allocation windows' own memory (1.6-3 MB in this program) is on no line, and the report says how much
    # (it was the rows' line's: 1.15-1.26x the truth in 10 runs beside two busy loops, 1.01-1.10x after)
    assert any("was heatlens's own" in note for note in result.profile.meta.notes), result.profile.meta.notes


def test_fast_growth_is_one_block_s_own_only_where_the_wrapper_saw_a_block() -> None:
    # a loop calls `handle(i)` (line 15), which keeps 3 KB strings (line 8) at 740 MB/s; two reads in a row found
    # the program on the call line, 290 MB apart, and a window between them saw line 8 keep 5 MB: fast growth read
    # twice on one line was taken for one C call filling a block there; now only where the wrapper saw a block, or
    # windows saw the line read allocate
    events = [[0.1, mb(3), "t", at(8), mb(50), 0.05, False, 0.17, False],
              [1.0, mb(3), "t", at(15), mb(50), 0.05, False, 1.07, False],
              [1.46, mb(290), "t", at(15), mb(10), 0.39, False, 1.53, False]]
    windows = [(0.3, 0.32, 0.016, {(FILE, 8): 5.0}), (1.2, 1.22, 0.016, {(FILE, 8): 5.2}),
               (1.6, 1.62, 0.016, {(FILE, 8): 4.4})]
    found = attribute(events, [[2.0, mb(410)]], locate, windows)
    assert found.lines[(FILE, 8)].peak_mb >= 400 and (FILE, 15) not in found.lines, found.lines
    filled = [e[:8] + [True] for e in events]  # the wrapper saw a block mapped and filled: the line read made it
    assert attribute(filled, [[2.0, mb(410)]], locate, windows).lines[(FILE, 15)].peak_mb >= 290
    # windows saw line 15 allocate (what it made was alive at a window's end, a temporary or not): a C call's, too
    assert attribute(events, [[2.0, mb(410)]], locate, windows, (), {(FILE, 15)}).lines[(FILE, 15)].peak_mb >= 290


def test_frees_at_the_programs_exit_do_not_end_a_leak_in_the_live_series() -> None:
    growing = [[0.1 * i, mb(5), "t", at(8)] for i in range(1, 30)]
    exit_frees = growing + [[2.95, -mb(145), "t", at(2)]]  # globals going as the program ends
    found = attribute(exit_frees, [[3.0, mb(10)]], locate)
    assert found.lines[(FILE, 8)].live_mb == pytest.approx(0)  # kept at the end: nothing, truly
    assert [k.line for k in leaks.detect(found.snapshot_times, found.tracks)] == [8]


@functools.lru_cache(maxsize=None)
def buffer_then_rows() -> Any:
    return run("buffer_then_rows.py")


@needs_pyspy
def test_a_list_and_a_dict_built_to_their_final_size_then_kept_are_no_leak() -> None:
    # they grow steadily while built (in pieces, as a leak would), then stay while the program hashes
    path, result, _ = buffer_then_rows()
    found = [(Path(k.file).name, k.line, round(k.growth_mb)) for k in leaks.detect_in_profile(result.profile)]
    assert found == [], [(t.line, t.live_mb[::4]) for t in result.profile.line_memory_series]
