""""Profile this cell" lenses on the `# %%` cells of a plain .py file, and their command
`heatlens.profileFileCell [uri, line]`.

The command runs the file from its first line through the end of the cell holding `line`
(heatlens.notebook.percent: compiled under the file's own path, so no line map) through the same path as
`heatlens/profile` (one job at a time, progress, cancel, stored and painted like any run of the file). The
answer is the run's summary plus the cell and its hottest line, so the editor can say where the cell's
time went.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from heatlens.lsp.annotations import FileData, path_key
from heatlens.lsp.jobs import JobBusy
from heatlens.lsp.profiling import saved
from heatlens.notebook.percent import FileCell, cell_at, cell_label, file_cells, runner_code

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer

PROFILE_FILE_CELL = "heatlens.profileFileCell"
TITLE = "Profile this cell"


def _range(line: int) -> lsp.Range:
    return lsp.Range(start=lsp.Position(line=line, character=0), end=lsp.Position(line=line, character=0))


def cell_lenses(uri: str, path: str, text: str) -> List[lsp.CodeLens]:
    """One lens on the marker line of each code cell of a .py file with `# %%` cells (none otherwise)."""
    if not path.endswith(".py") or "%%" not in text:  # most files: no split at all
        return []
    return [lsp.CodeLens(range=_range(c.start), command=lsp.Command(title=TITLE, command=PROFILE_FILE_CELL,
                                                                    arguments=[uri, c.start]))
            for c in file_cells(text) if not c.markdown]


def hottest_in_cell(data: Optional[FileData], cell: FileCell) -> Optional[Dict[str, Any]]:
    """The cell's line with the most CPU in the run (0-based line, share of the run, seconds); None when
    no sample landed in the cell."""
    if data is None:
        return None
    inside = [(stats.cpu, line) for line, stats in data.lines.items()
              if cell.start < line <= cell.end + 1 and stats.cpu > 0]  # stats lines are 1-based
    if not inside:
        return None
    cpu, line = max(inside)
    return {"line": line - 1, "share": round(data.share(data.lines[line]), 5), "seconds": round(cpu, 6)}


def _args(args: Any) -> Tuple[str, int]:
    if (len(args) != 2 or not isinstance(args[0], str) or not args[0]
            or not isinstance(args[1], int) or isinstance(args[1], bool) or args[1] < 0):
        raise JsonRpcInvalidParams(
            f"{PROFILE_FILE_CELL} takes two arguments: the file's uri and a 0-based line of the cell")
    return args[0], args[1]


def _text(ls: "HeatlensServer", uri: str, path: str) -> str:
    doc = ls.document(uri)
    if doc is not None:
        return doc.source
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise JsonRpcInvalidParams(f"cannot read {path}: {exc}") from exc


def _refused(ls: "HeatlensServer", kind: str, message: str) -> Dict[str, Any]:
    ls.show(f"heatlens: {message}", lsp.MessageType.Warning)
    return {"failure": {"kind": kind, "message": message}}


async def profile_file_cell(ls: "HeatlensServer", args: Any) -> Dict[str, Any]:
    """The command's handler: the run's ProfileSummary (wire form) with `cell` and `cellHotLine` added."""
    from heatlens.lsp.protocol import ProfileParams
    from heatlens.lsp.requests import profile

    uri, line = _args(args)
    path = to_fs_path(uri)
    if not path or not uri.startswith("file:"):
        raise JsonRpcInvalidParams(f"not a file uri: {uri}")
    text = _text(ls, uri, path)
    cell = cell_at(file_cells(text), line)
    if cell is None or cell.markdown:
        raise JsonRpcInvalidParams(f"line {line + 1} of {os.path.basename(path)} is in no `# %%` code cell")
    if not saved(path, text):  # the subprocess runs the file as saved: what it measures must be what is shown
        return _refused(ls, "unsaved", "save the file first: the cell runs from the file as saved")
    params = ProfileParams(code=runner_code(path, cell), cwd=os.path.dirname(path))
    try:
        summary = await profile(ls, params, label=cell_label(os.path.basename(path), cell))
    except JobBusy as exc:
        return _refused(ls, "busy", str(exc))
    result: Dict[str, Any] = ls.protocol._converter.unstructure(summary)
    data = ls.annotations.files.get(path_key(path))
    if data is not None and data.run_id != summary.run_id:
        data = None  # an older run of the file: not this cell's
    result["cell"] = {"number": cell.number, "startLine": cell.start, "endLine": cell.end, "title": cell.title}
    result["cellHotLine"] = hottest_in_cell(data, cell)
    return result


def register(server: "HeatlensServer") -> None:
    """Register the command (advertised in executeCommandProvider: vscode-languageclient turns it into a VS
    Code command, so the lens needs nothing of the extension)."""
    if PROFILE_FILE_CELL in server.protocol.fm.commands:
        return

    @server.command(PROFILE_FILE_CELL)
    async def on_profile_file_cell(ls, *args: Any) -> Dict[str, Any]:
        return await profile_file_cell(ls, args)
