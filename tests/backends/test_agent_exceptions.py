"""Raised exceptions per line before Python 3.12 (`--exceptions`: the agent's trace hook), through the real
runner and agent: a program raising and catching KeyError 10,000 times on one line and 10 times on
another gets exactly those counts; without the option only a note says why there are none."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from heatlens.backends.base import BackendOptions, Target
from heatlens.model import Profile
from heatlens.run import RunOptions, profile_target_sync

PROG = '''import threading

d = {}


def lookup(k):
    try:
        return d[k]  # MANY
    except KeyError:
        return None


def rare(k):
    try:
        return d[k]  # FEW
    except KeyError:
        return None


def worker():
    for i in range(300):
        try:
            int("x")  # THREAD
        except ValueError:
            pass


t = threading.Thread(target=worker)
t.start()
for i in range(10000):
    lookup(i)
for i in range(10):
    rare(i)
t.join()
'''


def _line(marker: str) -> int:
    return next(i for i, text in enumerate(PROG.splitlines(), 1) if marker in text)


def _profile(tmp_path: Path, exceptions: bool) -> Profile:
    prog = tmp_path / "raises.py"
    prog.write_text(PROG)
    result = profile_target_sync(Target(kind="script", value=str(prog)), RunOptions(
        backend="agent", timeout=120, backend_options=BackendOptions(memory="off", exceptions=exceptions)))
    assert result.profile is not None, result.stderr
    return result.profile


def _counts(p: Profile, tmp_path: Path) -> dict:
    prog = str(tmp_path / "raises.py")
    return {(r.type, r.line): r.count for r in p.exceptions if r.file == prog and r.caught is not False}


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12+ counts them with sys.monitoring, option or not")
def test_trace_hook_counts_caught_exceptions_per_line(tmp_path: Path) -> None:
    p = _profile(tmp_path, exceptions=True)
    counts = _counts(p, tmp_path)
    assert counts == {("KeyError", _line("MANY")): 10000, ("KeyError", _line("FEW")): 10,
                      ("ValueError", _line("THREAD")): 300}, counts  # threads started later are traced too
    assert any("trace hook" in n for n in p.meta.notes), p.meta.notes


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12+ counts them with sys.monitoring, option or not")
def test_without_the_option_no_counts_and_a_note(tmp_path: Path) -> None:
    p = _profile(tmp_path, exceptions=False)
    assert _counts(p, tmp_path) == {}
    assert any("only the uncaught one" in n and "--exceptions" in n for n in p.meta.notes), p.meta.notes


def test_tracer_in_process_counts_and_removes(tmp_path: Path) -> None:
    """The hook itself (it is stdlib only and imports on any Python): counts while installed, none after."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server" / "heatlens" / "backends" / "_agent"))
    try:
        import heatlens_agent_exceptions as hx
    finally:
        sys.path.pop(0)
    def raise_catch(times: int) -> None:
        for _ in range(times):
            try:
                {}["k"]
            except KeyError:
                pass

    counts: dict = {}
    old = sys.gettrace()
    tracer = hx.install(counts)
    try:
        raise_catch(50)  # traced: a frame called after install
    finally:
        tracer.remove()
        sys.settrace(old)
    raise_catch(5)  # after remove: not counted
    here = {k: c for k, c in counts.items() if k[0] == __file__ and k[1] == "raise_catch"}
    assert list(here.values()) == [50] and list(here)[0][3] == "KeyError"
