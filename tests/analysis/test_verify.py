"""Verification is the runtime evidence behind a fix whose safety static analysis cannot prove: the join on a
list key (the measured unsafe case) and a set of dict rows are refused by it; the same rewrite on string keys
is applied. Real runs of real programs."""

from __future__ import annotations

from pathlib import Path

from heatlens.analysis.fixes import fix_source
from heatlens.analysis.verify import verify_fix
from heatlens.backends.base import Target

JOIN = """def pairs(A, B):
    n = 0
    for a in A:
        for s in B:
            if a["refs"] == s["refs"]:
                n += 1
    return n


A = [{{"refs": {key}}} for i in range(300)]
B = [{{"refs": {key}}} for i in range(300)]
print(pairs(A, B))
"""


def _verdict(tmp_path: Path, key: str):
    prog = tmp_path / f"join_{len(key)}.py"
    prog.write_text(JOIN.format(key=key))
    fixed = fix_source(prog.read_text(), "nested-loop-join", 4)
    assert fixed.ok and fixed.verify_only  # the key's type is unknown to static analysis
    return verify_fix(Target("script", str(prog), cwd=str(tmp_path)), str(prog), fixed.text, repeats=1)


def test_the_join_on_a_list_key_is_refused_by_its_verification(tmp_path: Path) -> None:
    verdict = _verdict(tmp_path, "[i % 7, 1]")  # a list: an index on it raises TypeError
    assert not verdict.ok and verdict.after_exit != 0


def test_the_same_join_on_string_keys_is_applied(tmp_path: Path) -> None:
    verdict = _verdict(tmp_path, "str(i % 7)")
    assert verdict.ok, verdict.reason
