"""cstpass: one code generation gives LibCST's own positions and every node's children."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from heatlens.analysis.cstpass import positions_and_children

# whitespace-only differences: these two nodes visit their whitespace out of the order it is written
_WHITESPACE_ORDER = {"AsName", "Del"}


def test_same_positions_and_children_as_libcst_on_a_real_module() -> None:
    source = (Path(sysconfig.get_paths()["stdlib"]) / "argparse.py").read_text()
    tree = cst.parse_module(source)
    pos, kids = positions_and_children(tree)
    expected = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)
    assert len(pos) == len(expected) > 10_000
    assert all(pos[n] == r for n, r in expected.items())
    assert set(kids) == set(expected)
    for node, mine in kids.items():
        theirs = list(node.children)
        if type(node).__name__ in _WHITESPACE_ORDER:
            assert sorted(map(id, mine)) == sorted(map(id, theirs))
        else:
            assert [id(k) for k in mine] == [id(k) for k in theirs], type(node).__name__
