"""Where the Python-only sampler puts a window that ends at a function's entry: real frames caught at their
entry (a profile hook's "call" event stands where the RESUME check point does), on this interpreter."""

from __future__ import annotations

import importlib
import sys
from typing import Any, List, Optional

import pytest

from heatlens.backends.agent import AGENT_DIR

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="the Python-only sampler runs on 3.11+")


def _agent(name: str) -> Any:
    if AGENT_DIR not in sys.path:
        sys.path.append(AGENT_DIR)  # the agent's modules import each other by their plain names
    return importlib.import_module(name)


def alloc() -> bytes:
    return b"x" * 10  # ALLOC


def spin() -> int:
    return 1


class Obj:
    def method(self) -> int:
        return 2


def program(obj: Obj) -> None:
    x = alloc(); spin()  # SAME LINE  # noqa: E702
    y = alloc()  # noqa: F841
    spin()  # OWN LINE
    obj.method(); spin()  # METHOD  # noqa: E702
    del x


def _line(marker: str) -> int:
    src = open(__file__).read().splitlines()
    return next(i for i, t in enumerate(src, 1) if "# " + marker in t and "def " not in t)


def _stacks_at_spin_entry() -> List[Optional[str]]:
    entry = _agent("heatlens_agent_entry")
    sampler = _agent("heatlens_agent_sampler")
    mapper = entry.EntryMapper(sampler.frame_text)
    got: List[Optional[str]] = []

    def hook(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code is spin.__code__:
            got.append(mapper.stack(frame))

    sys.setprofile(hook)
    try:
        program(Obj())
    finally:
        sys.setprofile(None)
    return got


def test_entry_window_goes_to_the_function_called_before_on_the_same_line() -> None:
    same, own, method = _stacks_at_spin_entry()
    me = __file__
    assert same is not None and own is not None and method is not None
    # `x = alloc(); spin()`: the work before spin's entry was alloc's (it returned without a check point)
    assert same.splitlines()[0] == '  File "%s", line %d in alloc' % (me, _line("ALLOC"))
    assert same.splitlines()[1] == '  File "%s", line %d in program' % (me, _line("SAME LINE"))
    # alone on its line: the caller's line (check points may lie between lines)
    assert own.splitlines()[0] == '  File "%s", line %d in program' % (me, _line("OWN LINE"))
    # a method is not resolvable by name: the caller's line
    assert method.splitlines()[0] == '  File "%s", line %d in program' % (me, _line("METHOD"))


def test_not_at_entry_keeps_the_handler_position() -> None:
    mapper = _agent("heatlens_agent_entry").EntryMapper(_agent("heatlens_agent_sampler").frame_text)
    assert mapper.stack(sys._getframe()) is None  # mid-function: no remapping
