"""Recovering a line map by diff when a reopened file no longer matches the profiled source."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import List

from hypothesis import given, settings
from hypothesis import strategies as st

from heatlens.mapping.positions import split_lines
from heatlens.mapping.recover import needs_recovery, recover_linemap

PROFILED = """\
import time


def slow(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def fast(n):
    return n * (n - 1) * (2 * n - 1) // 6
"""


def check_fresh_lines_identical(old_text: str, new_text: str) -> None:
    old, new = split_lines(old_text), split_lines(new_text)
    lm = recover_linemap(old_text, new_text)
    assert lm.line_count == len(new)
    last = -1
    for o in range(len(old)):
        n = lm.map_line(o)
        if n is None:
            continue
        assert last < n
        last = n
        assert lm.new_to_old(n) == o
        if not lm.is_stale(o):
            assert new[n] == old[o]


def test_same_text_is_identity_and_needs_no_recovery(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(PROFILED.encode("utf-8"))
    sha = hashlib.sha256(path.read_bytes()).hexdigest()  # what the model stores
    assert not needs_recovery(sha, PROFILED)
    assert needs_recovery(sha, PROFILED + "\n")
    assert not needs_recovery(None, "anything")
    lm = recover_linemap(PROFILED, PROFILED)
    assert not lm.changed


def test_lines_inserted_changed_and_deleted_on_disk() -> None:
    old = split_lines(PROFILED)
    edited = PROFILED.replace("import time\n", "import os\nimport time\n")
    edited = edited.replace("total += i * i", "total += i ** 2")
    edited = edited.replace("def fast(n):\n    return n * (n - 1) * (2 * n - 1) // 6\n", "")
    lm = recover_linemap(PROFILED, edited)
    new = split_lines(edited)
    hot = old.index("        total += i * i")
    assert lm.map_line(0) == 1 and not lm.is_stale(0)
    assert lm.map_line(hot) == hot + 1 and lm.is_stale(hot)
    assert new[hot + 1] == "        total += i ** 2"
    ret = old.index("    return total")
    assert lm.map_line(ret) == ret + 1 and not lm.is_stale(ret)
    assert lm.map_line(old.index("def fast(n):")) is None
    assert lm.new_to_old(0) is None
    check_fresh_lines_identical(PROFILED, edited)


def test_recovered_map_takes_further_edits() -> None:
    edited = "# moved\n" + PROFILED
    lm = recover_linemap(PROFILED, edited)
    lm.apply(0, 0, 1, 0, "")  # delete the comment again in the editor
    assert not lm.changed and lm.map_line(5) == 5


def test_blank_and_repeated_lines_still_anchor() -> None:
    """Lines like "" and "pass" repeat a lot in source; autojunk must not drop them as anchors."""
    body = "def f{i}():\n    pass\n\n"
    old = "".join(body.format(i=i) for i in range(150))
    new = "import x\n" + old
    lm = recover_linemap(old, new)
    assert all(lm.map_line(i) == i + 1 and not lm.is_stale(i) for i in range(len(split_lines(old))))


LINES = st.lists(st.sampled_from(["a", "b", "", "pass", "x = 1", "  y", "😋"]), max_size=30)


@settings(max_examples=300, deadline=None)
@given(LINES, LINES)
def test_random_texts_keep_fresh_lines_identical(old: List[str], new: List[str]) -> None:
    check_fresh_lines_identical("\n".join(old), "\n".join(new))
