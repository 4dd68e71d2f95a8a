""""Profile this test" lenses on pytest test functions, and their command `heatlens.profileTest`.

The command profiles one test as `python -m pytest -q -p no:cacheprovider NODEID` through the same path as
`heatlens/profile` (one job at a time, work-done progress, every way to cancel, stored and published like
any run), in a subprocess of the target's interpreter: the daemon never imports the user's tests. The run
is labelled `pytest::NODEID`, like `heatlens test` on the command line.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Tuple

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from heatlens.lsp.jobs import JobBusy
from heatlens.lsp.profiling import under

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer

log = logging.getLogger(__name__)

PROFILE_TEST = "heatlens.profileTest"
TITLE = "Profile this test"


def is_test_file(path: str) -> bool:
    """pytest's default `python_files`: `test_*.py` and `*_test.py`."""
    name = os.path.basename(path)
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def _range(line: int) -> lsp.Range:
    return lsp.Range(start=lsp.Position(line=line, character=0), end=lsp.Position(line=line, character=0))


def profile_test_lenses(uri: str, path: str, text: str) -> List[lsp.CodeLens]:
    """One lens above each test function of a test file (none for other files)."""
    if not is_test_file(path):
        return []
    from heatlens.jobs.pytests import test_functions

    try:
        tests = test_functions(path, text)
    except Exception:  # a file that does not parse (mid-edit) simply has no lenses
        log.debug("finding the tests of %s failed", path, exc_info=True)
        return []
    return [
        lsp.CodeLens(range=_range(max(0, line - 1)), command=lsp.Command(title=TITLE, command=PROFILE_TEST, arguments=[uri, name]))
        for name, line in tests
    ]


def pytest_cwd(path: str, roots: Iterable[str]) -> str:
    """Where pytest runs: the first workspace root holding the file (its rootdir, conftest and config
    live there), else the file's folder."""
    for root in roots:
        if under(path, root):
            return root
    return os.path.dirname(path)


def nodeid_for(path: str, name: str, cwd: str) -> str:
    """pytest's node id of test `name` ("test_x", "TestY::test_z", or a full "file.py::test_x") of `path`,
    relative to `cwd`."""
    if ".py::" in name:
        name = name.split(".py::", 1)[1]
    rel = os.path.relpath(path, cwd).replace(os.sep, "/")
    return f"{rel}::{name}"


def _args(args: Any) -> Tuple[str, str]:
    if len(args) != 2 or not all(isinstance(a, str) and a for a in args):
        raise JsonRpcInvalidParams(f"{PROFILE_TEST} takes two arguments: the file's uri and the test's node id")
    return args[0], args[1]


def _unsaved(ls: "HeatlensServer", uri: str, path: str) -> bool:
    doc = ls.document(uri)
    if doc is None:
        return False
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read() != doc.source
    except OSError:
        return True


async def profile_test(ls: "HeatlensServer", args: Any) -> Dict[str, Any]:
    """The command's handler: profile one test; returns the run's ProfileSummary (wire form)."""
    from heatlens.jobs.pytests import PYTEST_ARGS
    from heatlens.lsp.protocol import ProfileParams
    from heatlens.lsp.requests import profile

    uri, name = _args(args)
    path = to_fs_path(uri)
    if not path or not uri.startswith("file:"):
        raise JsonRpcInvalidParams(f"not a file uri: {uri}")
    if _unsaved(ls, uri, path):
        reason = "save the file first: pytest runs the file as saved"
        ls.show(f"heatlens: {reason}", lsp.MessageType.Warning)
        return {"failure": {"kind": "unsaved", "message": reason}}
    cwd = pytest_cwd(path, ls.roots())
    nodeid = nodeid_for(path, name, cwd)
    params = ProfileParams(module="pytest", args=[*PYTEST_ARGS, nodeid], cwd=cwd)
    try:
        summary = await profile(ls, params, label=f"pytest::{nodeid}")
    except JobBusy as exc:
        ls.show(f"heatlens: {exc}", lsp.MessageType.Warning)
        return {"failure": {"kind": "busy", "message": str(exc)}}
    if summary.failure.kind != "ok":
        ls.show(f"heatlens: {nodeid}: {summary.failure.kind}: {summary.failure.message[:300]}", lsp.MessageType.Warning)
    return ls.protocol._converter.unstructure(summary)


def register(server: "HeatlensServer") -> None:
    """Register the command (at import, so it is advertised in every client's executeCommandProvider:
    no client implements it itself; vscode-languageclient turns advertised commands into VS Code commands)."""
    if PROFILE_TEST in server.protocol.fm.commands:
        return

    @server.command(PROFILE_TEST)
    async def on_profile_test(ls, *args: Any) -> Dict[str, Any]:
        return await profile_test(ls, args)
