"""The default backend's run, as a user gets it: py-spy's chatter never reaches the program's output, memory
lands on the lines that made it, leaks are found in the default mode, and the CPU never exceeds what the
program used. Real py-spy, real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Tuple

import pytest
from heatlens.analysis import leaks
from heatlens.backends import pyspy, pyspy_budget, pyspy_wrapper
from heatlens.backends.base import BackendOptions, Target
from heatlens.backends.pyspy_parse import SCRIPT_LINE
from heatlens.model import FailureKind, Profile, RunMeta, StackSample

import heatlens_backend_harness as H  # noqa: E402  (registered by conftest.py)

RUN = str(SCRIPT_LINE)  # the launcher's line that runs a script (as py-spy records it)

EXACT = Path(__file__).parents[1] / "fixtures" / "exact"
needs_pyspy = pytest.mark.skipif(pyspy.find_pyspy() is None, reason="py-spy binary not installed")


def marked(path: Path, mark: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.rstrip().endswith(f"# {mark}"))


def target(name: str) -> Target:
    return Target("script", str(EXACT / name), cwd=str(EXACT))


@needs_pyspy
def test_program_output_is_byte_identical_with_and_without_heatlens() -> None:
    plain = subprocess.run([sys.executable, str(EXACT / "chatty.py")], capture_output=True, cwd=EXACT)
    run = H.run(pyspy.PySpyBackend(), target("chatty.py"))
    assert run.failure.kind is FailureKind.OK, run.failure
    assert "py-spy" not in run.stdout and "Sampling process" not in run.stdout
    # the program's own lines, in order (tick counts depend on speed, so compare the shape)
    assert run.stdout.splitlines()[-1] == plain.stdout.decode().splitlines()[-1] == "end"
    assert all(line.startswith("tick ") for line in run.stdout.splitlines()[:-1])
    assert all(line.startswith("err ") for line in run.stderr.splitlines())


@needs_pyspy
def test_memory_lands_on_the_lines_that_made_it() -> None:
    path = EXACT / "memory_sites.py"
    run = H.run(pyspy.PySpyBackend(), target("memory_sites.py"))
    assert run.failure.kind is FailureKind.OK, run.failure
    lines = run.profile.file(str(path)).by_line()
    kept, transient, churn = (lines.get(marked(path, m)) for m in ("KEPT", "TRANSIENT", "CHURN"))
    assert kept is not None and 0.75 * 160 <= kept.mem_net_mb <= 1.1 * 160, kept  # 160 MB kept
    assert transient is not None and transient.mem_peak_mb >= 0.5 * 120 and transient.mem_net_mb < 10, transient
    assert churn is None or churn.mem_net_mb < 10  # allocates a lot, keeps nothing
    assert min(lines.values(), key=lambda s: -s.mem_net_mb).line == marked(path, "KEPT")
    assert any("resident-memory steps" in n for n in run.profile.meta.notes)


LAST_TRANSIENT = """\
import time
# held by a global to the end, as `python prog.py` holds it
KEPT = bytearray(64 << 20)  # KEPT


def summarise():
    # made and freed by the program's last call
    block = bytearray(96 << 20)  # LAST
    return len(block)


time.sleep(0.3)
print(summarise())
"""


@needs_pyspy
def test_memory_freed_just_before_the_program_ends_is_not_kept_at_its_end(tmp_path: Path) -> None:
    # transient_peak (memory corpus): its last 128 MB was freed as its last call returned, within MIN_GAP of the
    # line read of its growth, and the program ended before the poller recorded the fall (a free needs no read,
    # but waited for the next read's turn): up to the whole 128 MB stayed "kept at end" on a line keeping nothing
    prog = tmp_path / "last_transient.py"
    prog.write_text(LAST_TRANSIENT)
    for _ in range(3):  # the race went the wrong way in most runs
        run = H.run(pyspy.PySpyBackend(), Target("script", str(prog), cwd=str(tmp_path)))
        assert run.failure.kind is FailureKind.OK, run.failure
        lines = run.profile.file(str(prog)).by_line()
        last, kept = lines.get(marked(prog, "LAST")), lines.get(marked(prog, "KEPT"))
        assert last is not None and last.mem_peak_mb >= 0.75 * 96 and last.mem_net_mb < 10, last
        assert kept is not None and kept.mem_net_mb >= 0.75 * 64, kept  # teardown frees are still not the program's


@needs_pyspy
def test_a_steady_leak_is_found_in_the_default_mode_and_a_plateau_is_not() -> None:
    leak = H.run(pyspy.PySpyBackend(), target("steady_leak.py"))
    found = leaks.detect_in_profile(leak.profile)
    assert [(Path(k.file).name, k.line) for k in found][:1] == [("steady_leak.py", marked(EXACT / "steady_leak.py", "LEAK"))]
    plateau = H.run(pyspy.PySpyBackend(), target("plateau.py"))
    assert plateau.failure.kind is FailureKind.OK and leaks.detect_in_profile(plateau.profile) == []


@needs_pyspy
def test_memory_off_records_cpu_only() -> None:
    run = H.run(pyspy.PySpyBackend(), target("memory_sites.py"), BackendOptions(memory="off"))
    assert run.failure.kind is FailureKind.OK
    assert all(s.mem_alloc_mb == 0 for f in run.profile.files for s in f.lines)
    assert run.profile.memory_series == []


def test_subprocess_records_with_multiline_command_lines_parse() -> None:
    text = (
        'process 10:"python app.py";thread (10);<module> (<string>:' + RUN + ');<module> (/p/app.py:4) 5\n'
        'process 10:"python app.py";process 11:"python -c s=0\nfor i in range(9): s+=i";thread (11): MainThread;'
        "<module> (<string>:2) 7\n"
    )
    profile = pyspy.parse_raw(text, 100.0, "/", 10)
    assert {f.path: [s.samples for s in f.lines] for f in profile.files} == {"/p/app.py": [5], "<string>": [7]}
    assert profile.extras["pyspy_processes"] == {"10": "python app.py", "11": "python -c s=0\nfor i in range(9): s+=i"}


FAKE_PYSPY = '''#!{python}
import os, sys, time
pid = int(sys.argv[sys.argv.index("--pid") + 1])
if {attach}:
    print("py-spy> Sampling process 100 times a second. Press Control-C to exit.", flush=True)
    sys.stderr.write("thread '<unnamed>' panicked at src/sampler.rs:311:49:\\nSendError {{ .. }}\\n")
    sys.stderr.flush()
    while True:  # like py-spy: ends once the program is gone
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.01)
else:
    sys.stderr.write("Error: Failed to open process - check if it is running. Permission denied\\n")
    sys.exit(1)
'''


def _wrapped(tmp_path: Path, attach: bool, memory: str = "0") -> Tuple[subprocess.CompletedProcess, Path]:
    """The wrapper around a fake py-spy (attaching or not) and a program that writes to both streams."""
    from heatlens.backends.pyspy_parse import LAUNCHER

    fake = tmp_path / "py-spy"
    fake.write_text(FAKE_PYSPY.format(python=sys.executable, attach=attach))
    fake.chmod(0o755)
    prog = tmp_path / "prog.py"
    prog.write_text("import sys\nprint('out')\nprint('err', file=sys.stderr)\n")
    out = tmp_path / "out"
    out.mkdir()
    return subprocess.run([sys.executable, pyspy.WRAPPER, str(out), memory, str(fake), "record", "-r", "100", "--",
                           sys.executable, "-c", LAUNCHER, str(out / pyspy.STATUS), "100", "script", str(prog)],
                          capture_output=True, timeout=60), out


def test_pyspys_own_errors_stay_out_of_the_programs_stderr(tmp_path: Path) -> None:
    # Found by benchmarks/stress.py: py-spy panicked in a sampler thread (`SendError`, a fork pool under
    # --subprocesses) and its message landed in the program's stderr, so the output was not the program's.
    run, out = _wrapped(tmp_path, attach=True)
    assert (run.returncode, run.stdout, run.stderr) == (0, b"out\n", b"err\n")
    assert "panicked at src/sampler.rs" in pyspy.spy_errors(out)  # kept for the run's notes


@pytest.mark.parametrize("memory", ["0", "1"])
def test_why_pyspy_could_not_attach_is_still_shown(tmp_path: Path, memory: str) -> None:
    # with memory on (the default mode) the wrapper crashed here, joining its memory poller that never started
    # (found running heatlens under strace, which denies py-spy's ptrace): "the backend crashed", not why
    run, out = _wrapped(tmp_path, attach=False, memory=memory)
    assert (run.returncode, run.stdout, run.stderr) == (0, b"", b"")  # the program did not run
    assert "Permission denied" in pyspy.spy_errors(out) and pyspy.read_status(out)[0] is None
    with pytest.raises(pyspy.SamplerRefused, match="Permission denied"):  # `auto` runs it again under the agent
        pyspy.PySpyBackend().read(out, RunMeta())


FREES = '''
import hashlib
buffers = []
for i in range(6):
    buffers.append(bytearray(24 * 2 ** 20))  # resident at once (memset)
    for _ in range(20000):  # ~0.1 s: the free comes after the growth's read
        hashlib.sha256(b"x" * 4096).digest()
    if i % 2:
        buffers.clear()  # a free
'''


@needs_pyspy
def test_a_free_is_given_back_without_reading_or_stopping_the_program(tmp_path: Path) -> None:
    # reading a line costs ~20 ms of py-spy (and a stop, while the budget lasts), and a free goes back to the newest
    # allocations whatever line runs: each free used to be read, the program stopped for it
    import json

    from heatlens.backends.pyspy_parse import LAUNCHER

    prog = tmp_path / "frees.py"
    prog.write_text(FREES)
    events = _memory_events(tmp_path, prog)
    frees = [e for e in events if e[1] < 0]
    assert frees and all(not e[3] for e in frees), events
    assert any(e[3] for e in events if e[1] > 0)  # growth is still read


SPIN = """
import time
def spin(s):
    t = time.process_time() + s
    while time.process_time() < t:
        pass
spin(0.1)
"""


def _slow_read_events(tmp_path: Path, body: str, slow_dumps: float) -> list:
    """The memory events of SPIN + `body`, each line read taking `slow_dumps` seconds more (a busy machine)."""
    prog = tmp_path / "prog.py"
    prog.write_text(SPIN + body)
    return _memory_file(tmp_path, prog, paused=True, slow_dumps=slow_dumps)["events"]


@needs_pyspy
def test_a_block_freed_while_its_line_is_read_is_a_free_after_its_peak(tmp_path: Path) -> None:
    # the poller waited for each read blind: made and freed meanwhile, a block looked like less growth on the line
    # read, with no free and no peak (a busy machine, where a read takes long: CI lost every free of a test this way)
    # the first block's read stops the program for 0.5 s: the pause budget is spent, so the next read lets it run
    events = _slow_read_events(tmp_path, "held = bytearray(32 << 20)\nspin(0.1)\nblock = bytearray(48 << 20)\n"
                               "spin(0.05)\nblock = None\nspin(0.5)\n", 0.5)
    at = next(i for i, e in enumerate(events) if e[0] > 0.5 and e[3])  # the read of the block's growth
    # (48 MB: the last steps of a munmap, or of a fill, can fall under the 2 MB step; before, ~0 either way)
    assert (events[at][1] + events[at][4]) / 2 ** 20 > 32, events
    assert sum(e[1] for e in events[at + 1:] if not e[3]) / 2 ** 20 < -32, events


@needs_pyspy
def test_a_free_waits_for_no_read_so_memory_made_again_at_once_is_not_the_same(tmp_path: Path) -> None:
    # a free was recorded only when a line read was allowed (MIN_GAP, the budgets): a block freed just after a read
    # and another made at once looked like nothing at all, the first one kept and the second one never made. (With
    # the block made at once the code before failed this, but the poller can miss a free that brief on a loaded
    # machine; 20 ms later, as here, the code before passes too: this checks the behaviour, not that fix alone)
    # the first block's read stops the program for 0.3 s: the pause budget is spent, so the free comes at no fast
    # rise, within MIN_GAP of a read (and a few polls before the next block is made)
    events = _slow_read_events(tmp_path, "first = bytearray(48 << 20)\nfirst = None\nspin(0.02)\n"
                               "second = bytearray(48 << 20)\nspin(0.5)\n", 0.3)
    # (a munmap goes in a few steps, its last under the 2 MB step; one full run saw 39.7 of 48 MB; before: none)
    assert sum(e[1] for e in events if not e[3] and e[1] < 0) / 2 ** 20 < -32, events
    assert sum(e[1] + e[4] for e in events if e[3]) / 2 ** 20 > 40, events  # the second block


OSCILLATING = """\
import mmap, time
end = time.time() + 10.0
while time.time() < end:
    m = mmap.mmap(-1, 16 << 20)  # 16 MiB made resident in ~0.1 s, then given back (numpy temporaries)
    for off in range(0, 16 << 20, 4096):
        m[off] = 1
        t = time.perf_counter()
        while time.perf_counter() - t < 0.00002:
            pass
    m.close()
"""


@needs_pyspy
def test_memory_that_rises_and_falls_all_along_is_read_within_the_read_budget(tmp_path: Path) -> None:
    # each read is a py-spy start (~20 ms of CPU): a step up every few ms was read ~20 times a second, a core's
    # tenth taken from a program that may use both cores (numpy_native: 1.53x with memory on, 1.05x off)
    prog = tmp_path / "oscillating.py"
    prog.write_text(OSCILLATING)
    memory = _memory_file(tmp_path, prog, paused=True)
    wall = memory["series"][-1][0]
    reads = [e for e in memory["events"] if e[3] and not e[6]]  # unstopped: stops have their own budget
    assert wall > 9 and reads, memory["events"][:5]
    # once the first READ_BUDGET is spent, reads take READ_SHARE of the spare core time, here one core (a read may start just before
    # it is spent); without the budget they took ~2.5 times that here, more on a busy machine
    each = memory["reading"] / len(reads)
    late = [e for e in reads if e[0] > wall - 4]
    assert len(late) * each <= 4 * pyspy_budget.READ_SHARE * 1.5 + each, (len(late), each, len(reads))
    assert memory["paused"] <= pyspy_wrapper.PAUSE_BUDGET + pyspy_wrapper.PAUSE_SHARE * wall + 0.1


EVERY_CORE = """\
import hashlib, mmap, os, sys, threading, time
start, end = time.time(), time.time() + 8.0
data = os.urandom(4 << 20)

def hashing():  # sha256 of a large buffer lets go of the GIL: each of these threads keeps a core busy
    while time.time() < end:
        hashlib.sha256(data).digest()

for _ in range(len(os.sched_getaffinity(0))):
    threading.Thread(target=hashing, daemon=True).start()
while time.time() < end:
    m = mmap.mmap(-1, 16 << 20)  # and memory rises and falls all along, as in OSCILLATING
    for off in range(0, 16 << 20, 4096):
        m[off] = 1
    m.close()
with open(sys.argv[0] + ".used", "w") as f:  # the cores it used, by its own count
    f.write(repr((os.times().user + os.times().system) / (time.time() - start)))
"""


@needs_pyspy
def test_a_program_that_keeps_every_core_busy_gets_only_the_first_reads(tmp_path: Path) -> None:
    # numpy's BLAS on both cores: a read (a py-spy start) takes a core from the program, and its threads' next
    # barrier waits for it. Reads past READ_BUDGET take a share of the core time the program leaves idle
    prog = tmp_path / "every_core.py"
    prog.write_text(EVERY_CORE)
    memory = _memory_file(tmp_path, prog, paused=True)
    wall, spare = memory["series"][-1][0], memory["spare"]
    reads = [e for e in memory["events"] if e[3] and not e[6]]
    assert wall > 7 and reads, memory["events"][:5]
    # the spare time counted agrees with the program's own count of the cores it used (alone on two cores it
    # used nearly both: ~0 spare, where it used to read for 0.3 s + 5 % of the time; a busy machine leaves it less)
    used, cores = float((tmp_path / "every_core.py.used").read_text()), len(os.sched_getaffinity(0))
    assert wall * max(0.0, min(1.0, cores - used)) - 0.5 <= spare <= min(wall, wall * (cores - used)) + 0.5, (spare, used)
    # (one read may start just before the budget is spent, and take longer than most: 0.55 s read of 0.52 s allowed
    # happened in a full test run, reads averaging 19 ms)
    each = memory["reading"] / len(reads)
    allowed = pyspy_budget.READ_BUDGET + pyspy_budget.READ_SHARE * spare
    assert memory["reading"] <= allowed + max(2 * each, 0.05), (memory["reading"], spare, len(reads))


def _memory_events(tmp_path: Path, prog: Path, paused: bool = False) -> list:
    """The wrapper's memory events of one run of `prog` (memory on)."""
    return _memory_file(tmp_path, prog, paused)["events"]


SLOW_DUMPS = """#!/bin/sh
[ "$1" = dump ] && sleep {delay}
exec {pyspy} "$@"
"""


def _memory_file(tmp_path: Path, prog: Path, paused: bool = False, slow_dumps: float = 0.0) -> dict:
    """What the wrapper wrote of one run of `prog` (memory on): events, series, read and pause times (`slow_dumps`:
    each line read takes that many seconds more, as py-spy's start does on a busy machine)."""
    import json

    from heatlens.backends.pyspy_parse import LAUNCHER

    out = tmp_path / "out"
    out.mkdir()
    spy = pyspy.find_pyspy()
    if slow_dumps:
        (tmp_path / "py-spy").write_text(SLOW_DUMPS.format(delay=slow_dumps, pyspy=spy))
        (tmp_path / "py-spy").chmod(0o755)
        spy = tmp_path / "py-spy"
    record = [str(spy), "record", "-f", "raw", "-r", "100", *([] if paused else ["--nonblocking"])]
    run = subprocess.run([sys.executable, pyspy.WRAPPER, str(out), "1", *record, "-o", str(out / "raw.txt"), "--",
                          sys.executable, "-c", LAUNCHER, str(out / pyspy.STATUS), "100", "script", str(prog)],
                         capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads((out / "pyspy-memory.json").read_text())


def _mb_per_mark(tmp_path: Path, program: str, marks: Tuple[str, ...]) -> Tuple[dict, list]:
    """({mark: MB the wrapper's events charged to the line marked `[mark]`}, the events) of one paused run; a free
    seen while a line was read goes back to that line (the newest growth, as pyspy_memory gives frees back)."""
    prog = tmp_path / "prog.py"
    prog.write_text(program)
    events = _memory_events(tmp_path, prog, paused=True)
    lines = program.splitlines()
    line_of = {mark: next(n for n, text in enumerate(lines, 1) if f"[{mark}]" in text) for mark in marks}
    charged: Dict[int, float] = {}
    read = (None, None)  # (the line last read, when its read ended)
    for e in events:
        if e[3]:
            read = (e[3][-1][2], e[7])
            charged[read[0]] = charged.get(read[0], 0) + e[1] + e[4]
        elif e[0] == read[1]:
            charged[read[0]] += e[1]
    return {mark: charged.get(line, 0) / 2 ** 20 for mark, line in line_of.items()}, events


BACK_TO_BACK = """
import time
def first():
    return b"a" * (160 << 20)  # [first]
def second():
    return bytearray(120 << 20)  # [second]: zeroed by one memset
blocks = first(), second()
t = time.process_time() + 0.3
while time.process_time() < t:  # [after]: allocates nothing
    pass
"""


@needs_pyspy
def test_two_large_blocks_filled_back_to_back_each_land_on_their_own_line(tmp_path: Path) -> None:
    # benchmarks' kept_large: resident memory rises without a pause from one block into the next, and the
    # growth after a read went on being charged to the line read (160 / 120 MB measured 198 / 86); now the
    # mapping of a new block ends it, and its line is read at its start
    mb, events = _mb_per_mark(tmp_path, BACK_TO_BACK, ("first", "second"))
    # (a loaded machine can spend the stop budget on the first block: the second's read, unstopped, may come late)
    assert 150 <= mb["first"] <= 170 and 100 <= mb["second"] <= 130, (mb, events)


SMALL_PIECES = """
import time
keep = []
t = time.perf_counter()
while time.perf_counter() - t < 0.8:
    keep.append(("payload-%d" % len(keep)) * 300)  # [pieces]: 3 KB strings, hundreds of MB a second
"""


@needs_pyspy
def test_the_wrapper_says_which_growth_was_a_large_block_being_filled(tmp_path: Path) -> None:
    # a step fast enough to be one C call filling a block is its line's own, whatever windows say; a loop making
    # 3 KB strings grows as fast (740 MB/s), and its reads on the loop's call line took 290 MB of a leak (a flake)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, filled = _mb_per_mark(tmp_path / "a", BACK_TO_BACK, ("first", "second"))
    _, pieces = _mb_per_mark(tmp_path / "b", SMALL_PIECES, ("pieces",))
    lines = BACK_TO_BACK.splitlines()
    block_lines = {n for n, text in enumerate(lines, 1) if "[first]" in text or "[second]" in text}
    assert any(e[3] and e[3][-1][2] in block_lines and e[8] for e in filled), filled
    read = [e for e in pieces if e[3]]
    assert read and not any(e[8] for e in read), read


PART_FILLED = """
import ctypes, mmap, time
block = mmap.mmap(-1, 200 << 20)  # mapped, not resident
ctypes.memset(ctypes.addressof(ctypes.c_char.from_buffer(block)), 1, 40 << 20)  # [fill]: a fifth of it, one C call
keep = [str(i) * 8 for i in range(1200000)]  # [slow]: small objects, ~100 MB in Python's pieces
t = time.process_time() + 0.2
while time.process_time() < t:
    pass
"""


@needs_pyspy
def test_growth_after_a_block_stops_filling_is_not_the_blocks(tmp_path: Path) -> None:
    # a read made while a block fills keeps the block's growth until it is full: only growth that fills memory
    # mapped before (Python's own growth maps as it goes), or a block filled in part (np.empty, then a slice)
    # would take what follows
    mb, events = _mb_per_mark(tmp_path, PART_FILLED, ("fill", "slow"))
    assert mb["fill"] <= 90 and mb["slow"] >= 60, (mb, events)  # 40 / ~100 MB; 180 / 0 before


def test_a_block_is_filled_by_resident_growth_without_new_mappings_and_only_a_lot_of_it() -> None:
    fill, mb = pyspy_wrapper.BlockFill(), 1 << 20
    assert not fill.see(120 * mb, 0) and fill.changed and fill.left == 120 * mb  # mapped, not yet resident: new
    assert fill.see(0, 8 * mb) and fill.left == 112 * mb  # made resident in place: filling it
    assert not fill.see(2 * mb, 2 * mb)  # Python's arenas map as they grow: not the block
    assert not fill.see(0, 128 << 10) and fill.left == 112 * mb - (128 << 10)  # malloc's top pad: too little
    fill.changed = False
    assert fill.see(0, 111 * mb) and fill.changed and fill.left == 0  # full: the growth after it is not its


TEMPORARIES = """
import mmap, time
SRC = b"s" * (4 << 20)
def work(s):
    t = time.perf_counter()
    while time.perf_counter() - t < s:
        pass
end = time.time() + 5.0
while time.time() < end:
    m = mmap.mmap(-1, 4 << 20)
    m[:] = SRC  # made resident, used a while and given back, again and again (numpy's temporaries)
    work(0.01)
    m.close()
    work(0.02)
time.sleep(0.2)
kept = []
for _ in range(8):
    k = mmap.mmap(-1, 4 << 20)
    for off in range(0, 4 << 20, 4096):
        k[off] = sum(range(3000)) & 1  # [kept]: 4 MiB made resident over ~30 ms, and kept
    kept.append(k)
work(0.3)
"""


@needs_pyspy
def test_the_same_temporaries_are_read_less_often_and_growth_beyond_them_as_before(tmp_path: Path) -> None:
    # numpy_native's temporaries were read ~4 times a second all along (0.43 s of py-spy dumps and 0.19 s
    # stopped, of 8.6 s): after three reads in a row were given back, a rise back to where they went waits twice
    # as long each time, up to 16 times MIN_GAP
    mb, events = _mb_per_mark(tmp_path, TEMPORARIES, ("kept",))
    late = [e[0] for e in events if e[3] and 2.0 <= e[0] < 4.5]  # the temporaries' last seconds
    assert len(late) <= 6, (len(late), events[:30])  # 24 here before
    assert any(e[3] and e[0] < 2.0 for e in events), events[:30]  # they were read: their line is known
    assert mb["kept"] >= 28, (mb, events[-20:])  # 32 MiB kept after them, read as before


def test_a_run_whose_temporaries_were_read_less_often_says_so(tmp_path: Path) -> None:
    import json

    notes = []
    for longest in (pyspy_budget.REPEATS - 1, 7):
        (tmp_path / pyspy_wrapper.MEMORY_FILE).write_text(json.dumps({"events": [], "series": [], "temporaries": longest}))
        profile = Profile()
        pyspy._add_memory(profile, tmp_path / pyspy_wrapper.MEMORY_FILE, str(tmp_path))
        notes.append([n for n in profile.meta.notes if "again and again" in n])
    assert notes[0] == [] and "7 reads of it in a row" in notes[1][0], notes
