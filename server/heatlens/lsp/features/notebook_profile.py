"""`heatlens/profileCell {notebookUri?, cellUri, backend?}`: "Profile this cell" where no kernel is attached.

The notebook's code cells up to that cell are written as one script (heatlens.notebook.script: same lines
per cell, IPython-only lines made `pass`) into a temporary folder and run through the normal runner, in
the notebook's folder, with the user's interpreter; the run is split back into cells, stored, and painted
on the open notebook. One job at a time and cancellable like `heatlens/profile`.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path
from urllib.parse import unquote

from heatlens.lsp.features.notebook import RUN_TARGET, Cell
from heatlens.lsp.protocol import PROFILE_CELL
from heatlens.model import Profile
from heatlens.notebook.cells import hot_lines
from heatlens.notebook.script import build_script, cell_name, split_profile

if TYPE_CHECKING:
    from heatlens.lsp.features.notebook import Notebooks
    from heatlens.lsp.server import HeatlensServer

log = logging.getLogger(__name__)


def _param(params: Any, name: str) -> Any:
    if params is None:
        return None
    return params.get(name) if isinstance(params, dict) else getattr(params, name, None)


def ran_path(profile: Profile, script: str) -> str:
    """The script's path as the run spelled it (the runner may have resolved links)."""
    real = os.path.realpath(script)
    return next((fp.path for fp in profile.files if os.path.realpath(fp.path) == real), script)


def result_of(profile: Optional[Profile], run_id: Optional[int], failure: Any, cells: List[Cell],
              notebook_uri: str, notebook_path: str) -> Dict[str, Any]:
    """The answer: the run, how it ended, and its hot cell lines (0-based lines of the cells' documents)."""
    by_index = {c.index: c for c in cells}
    hot = []
    for h in hot_lines(profile) if profile is not None else []:
        cell = by_index.get(h.cell.index) if h.cell.notebook == notebook_path and h.cell.index is not None else None
        if cell is not None:
            hot.append({"cellUri": cell.uri, "cell": (h.cell.index or 0) + 1, "line": h.line - 1,
                        "share": round(h.share, 5), "seconds": round(h.seconds, 6)})
    kind = failure.kind.value if hasattr(failure.kind, "value") else str(failure.kind)
    return {"runId": run_id, "target": profile.meta.target if profile is not None else "",
            "failure": {"kind": kind, "message": failure.message}, "hotLines": hot}


def _scratch(project_root: str) -> str:
    """A folder for the cells' script inside the project's own `.heatlens` folder, so that the script counts
    as the user's code (analysed for findings, as the notebook would be); the system's temp as a fallback."""
    try:
        folder = os.path.join(project_root, ".heatlens")
        os.makedirs(folder, exist_ok=True)
        return tempfile.mkdtemp(prefix="notebook-", dir=folder)
    except OSError:  # a read-only project: the run still works, its lines still land on the cells
        return tempfile.mkdtemp(prefix="heatlens-notebook-")


async def profile_cell(ls: "HeatlensServer", state: "Notebooks", params: Any) -> Dict[str, Any]:
    from heatlens import pipeline
    from heatlens.backends.base import Target
    from heatlens.lsp.jobs import run_cancellable
    from heatlens.lsp.protocol import ProfileParams
    from heatlens.lsp.requests import profile_options

    cell_uri = _param(params, "cellUri")
    if not isinstance(cell_uri, str) or not cell_uri:
        raise JsonRpcInvalidParams("heatlens/profileCell needs cellUri")
    notebook_uri = _param(params, "notebookUri")
    notebook = ls.workspace.get_notebook_document(notebook_uri=notebook_uri, cell_uri=cell_uri)
    cells = state.cells(notebook) if notebook is not None else []
    upto = next((k for k, c in enumerate(cells) if unquote(c.uri) == unquote(cell_uri)), None)
    if notebook is None or upto is None:
        raise JsonRpcInvalidParams(f"{cell_uri} is not a python code cell of an open notebook")
    cells = cells[:upto + 1]
    notebook_path = to_fs_path(notebook.uri) or unquote(notebook.uri)
    folder = os.path.dirname(notebook_path)
    cwd = folder if os.path.isdir(folder) else ls.project_root
    script, linemap = build_script([c.text for c in cells])
    label = f"{RUN_TARGET}{os.path.basename(notebook_path)} {cell_name(cells[-1].index)}"
    job = ls.jobs.start(label)  # raises JobBusy while another profile runs
    tmp = _scratch(ls.project_root)
    try:
        ls.notify_state("profiling", label)
        path = os.path.join(tmp, os.path.splitext(os.path.basename(notebook_path))[0] + ".py")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(script)
        target = Target(kind="script", value=path, cwd=cwd, python=ls.settings.python)
        options = profile_options(ls, ProfileParams(backend=_param(params, "backend")))

        def onto_cells(prof: Profile) -> None:  # after the analysis of the script, before the store
            split_profile(prof, ran_path(prof, path), linemap, notebook_path, [c.text for c in cells],
                          [c.index for c in cells], profiled=cells[-1].index)
            prof.meta.target = label

        store = ls.history.store()
        # The one pipeline, as "Profile this file": the same findings (moved onto the cells with the lines).
        outcome = await run_cancellable(job, lambda: pipeline.profile(
            target, options, cancel=job.cancel_event, save=store.save if store is not None else None,
            before_save=onto_cells))
        result, profile, run_id = outcome.result, outcome.profile, outcome.run_id
        for message in outcome.messages:
            ls.show(f"heatlens: {message}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        ls.jobs.finish(job)
        ls.notify_state("idle")
    if profile is not None:
        await state.show(notebook.uri)
    return result_of(profile, run_id, result.failure, cells, notebook.uri, notebook_path)


def register(server: "HeatlensServer", state: "Notebooks") -> None:
    """`heatlens/profileCell`, on the notebooks that features/notebook.register keeps in sync."""

    @server.feature(PROFILE_CELL)
    async def on_profile_cell(ls: Any, params: Any) -> Dict[str, Any]:
        return await profile_cell(ls, state, params)
