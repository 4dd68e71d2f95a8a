"""Whether a window began in the phase of the program a memory step was read in (window_phase.same_phase), on a
real source file: a dict built by one comprehension, then a loop that computes on one line and keeps on another."""

from __future__ import annotations

from pathlib import Path

from heatlens.backends.window_phase import same_phase

SOURCE = """\
import hashlib
def load(n):
    return {i: str(i) * 3 for i in range(n)}
def run(n):
    table = load(n)
    out = []
    for i in range(n):
        digest = hashlib.sha256(table[i].encode()).hexdigest()
        while len(digest) < 80:
            digest += digest
        out.append(digest)
    extra = load(n)
    return out, extra
run(1000)
"""


def test_two_lines_of_one_loop_are_one_phase_and_a_step_before_the_loop_is_another(tmp_path: Path) -> None:
    src = tmp_path / "etl.py"
    src.write_text(SOURCE)
    f = str(src)
    building, computing, keeping = [(f, 14), (f, 5), (f, 3)], [(f, 14), (f, 8)], [(f, 14), (f, 11)]
    assert same_phase(computing, keeping) and same_phase(keeping, computing)  # the loop computes and keeps
    assert same_phase([(f, 14), (f, 10)], keeping)  # a line of an inner loop is in the outer one's phase
    assert not same_phase(building, keeping) and not same_phase(keeping, building)  # before the loop: its own
    assert not same_phase([(f, 14), (f, 12), (f, 3)], keeping)  # after it, too
    assert not same_phase(building, [(f, 14), (f, 12), (f, 3)])  # the same function called at two steps


def test_a_stack_that_is_the_others_start_or_parts_at_one_call_line_is_the_same_phase(tmp_path: Path) -> None:
    src = tmp_path / "etl.py"
    src.write_text(SOURCE)
    f, lib = str(src), str(tmp_path / "lib.py")
    assert same_phase([(f, 14), (f, 8)], [(f, 14), (f, 8), (lib, 40)])  # a window opened in a library call
    assert same_phase([(f, 14), (f, 5), (f, 3)], [(f, 14), (f, 5)])
    assert same_phase([(f, 14), (f, 8), (lib, 40)], [(f, 14), (f, 8), (f, 3)])  # two calls made from one line


def test_where_the_source_cannot_be_read_every_window_is_in_the_phase(tmp_path: Path) -> None:
    gone = str(tmp_path / "gone.py")  # deleted, or code from a string: no judgement
    assert same_phase([(gone, 5), (gone, 3)], [(gone, 14), (gone, 11)])
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    assert same_phase([(str(broken), 1)], [(str(broken), 2)])


def test_a_file_edited_between_two_runs_is_read_again(tmp_path: Path) -> None:
    src = tmp_path / "etl.py"
    src.write_text(SOURCE)
    f = str(src)
    assert not same_phase([(f, 14), (f, 5)], [(f, 14), (f, 11)])
    src.write_text("\n".join(["def run(n):"] + ["    for i in range(n):"] + ["        pass"] * 12) + "\n")
    assert same_phase([(f, 14), (f, 5)], [(f, 14), (f, 11)])  # both in the loop now (the daemon lives on)
