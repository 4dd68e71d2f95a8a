"""The IPython extension: `%load_ext heatlens`, then `%%heatlens` on a cell or `%heatlens <statement>`.

The cell runs in the live kernel as usual while py-spy, started for it and stopped after it, samples the
kernel's own process from outside (exact lines; the kernel is never paused). The run is stored in the
project's store like any other (`heatlens history`, the editor), with the cells' text so that the editor
can paint them, and a short summary of the hot cell lines is printed under the cell.

    %%heatlens [--rate HZ] [--no-store]
"""

from __future__ import annotations

import contextlib
import ctypes
import linecache
import os
import sys
from typing import Any, Dict, Iterator, List, Optional, Tuple

from IPython.core.magic import Magics, line_cell_magic, magics_class

from heatlens.notebook.cells import CellInfo, attach_cells, summary_text

PR_SET_PTRACER = 0x59616D61  # Yama: which process may read this one
PR_SET_PTRACER_ANY = ctypes.c_ulong(-1).value
MAGIC = "heatlens"


@contextlib.contextmanager
def ptrace_allowed() -> Iterator[Any]:
    """Let a child (py-spy) read this process while the block runs. Under Yama ptrace_scope=1 only an
    ancestor may read a process, and py-spy is the kernel's child; elsewhere prctl fails harmlessly."""
    libc: Any = None
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            libc = ctypes.CDLL(None, use_errno=True)

    def allow(who: int) -> None:
        if libc is not None:
            libc.prctl(PR_SET_PTRACER, ctypes.c_ulong(who), 0, 0, 0)

    allow(PR_SET_PTRACER_ANY)  # py-spy's pid is known only once it runs, and it attaches at once
    try:
        yield allow  # narrowed to py-spy's own pid as soon as it samples
    finally:
        allow(0)


def parse_line(line: str) -> Tuple[Dict[str, Any], str]:
    """`--rate HZ` and `--no-store` before the statement; the rest is the statement."""
    opts: Dict[str, Any] = {"rate": 1000, "store": True}
    words = line.split(" ")
    while words and words[0].startswith("--"):
        word = words.pop(0)
        if word == "--no-store":
            opts["store"] = False
        elif word.startswith("--rate"):
            value = word.split("=", 1)[1] if "=" in word else (words.pop(0) if words else "")
            opts["rate"] = int(value)
        else:
            raise ValueError(f"%heatlens: unknown option {word} (known: --rate HZ, --no-store)")
    return opts, " ".join(words).strip()


def _current_raw(shell: Any) -> str:
    hist = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    return str(hist[-1]) if hist else ""


def placed_code(raw: str, line: str, cell: Optional[str], statement: str) -> Tuple[str, str]:
    """(code to run, the cell's text as stored): the code gets leading comment lines so that its line N is
    line N of the cell as the user sees it (blank lines would be stripped by IPython, comments are not)."""
    lines = raw.splitlines()
    if cell is not None:
        at = next((i for i, text in enumerate(lines) if text.lstrip().startswith("%%" + MAGIC)), None)
        if at is None or "\n".join(lines[at + 1:]).rstrip() != cell.rstrip():
            at, raw = 0, f"%%{MAGIC} {line}".rstrip() + "\n" + cell
        return "#\n" * (at + 1) + cell, raw
    at = next((i for i, text in enumerate(lines) if f"%{MAGIC}" in text and statement in text), None)
    if at is None:
        return statement, f"%{MAGIC} {line}"
    return "#\n" * at + statement, raw


def is_cell_file(path: str, shell: Any) -> bool:
    names = getattr(getattr(shell, "compile", None), "_filename_map", {})
    return path in names or (path in linecache.cache and not os.path.isfile(path) and not path.startswith("<frozen"))


def cell_infos(profile: Any, shell: Any, profiled_path: str, profiled_source: str, number: int) -> List[CellInfo]:
    """The cells among the run's files: the one profiled (with the cell's own text), and those whose
    functions it called (named by execution count, their text from the kernel's history)."""
    names = getattr(getattr(shell, "compile", None), "_filename_map", {})
    hist = list(getattr(getattr(shell, "history_manager", None), "input_hist_raw", []) or [])
    paths = {fp.path for fp in profile.files} | {fn.file for fn in profile.functions}
    out = []
    for path in sorted(p for p in paths if p and is_cell_file(p, shell)):
        count = names.get(path)
        name = f"In [{count}]" if isinstance(count, int) else os.path.basename(path)
        if path == profiled_path:  # compiled while the kernel's count already named the next cell
            out.append(CellInfo(path=path, name=f"In [{number}]", source=profiled_source, profiled=True))
            continue
        ran = "".join(linecache.getlines(path))
        raw = hist[count] if isinstance(count, int) and 0 <= count < len(hist) else ""
        # the text as typed where it has the lines that ran (a cell magic is transformed to one line)
        text = raw if raw and len(raw.splitlines()) == len(ran.splitlines()) else ran
        out.append(CellInfo(path=path, name=name, source=text))
    return out


def _store(profile: Any) -> Optional[int]:
    from heatlens.api import ENV_STORE
    from heatlens.store import StoreError, git_rev_parse, open_store

    root = profile.meta.project_root
    profile.meta.git_commit = profile.meta.git_commit or git_rev_parse(root)
    try:
        with open_store(root, os.environ.get(ENV_STORE) or None) as store:
            return int(store.save(profile))
    except (StoreError, OSError) as exc:
        print(f"heatlens: the run was not stored: {exc}", file=sys.stderr)
        return None


def profile_code(shell: Any, line: str, cell: Optional[str]) -> Any:
    """Run the cell (or statement) in the kernel under py-spy; store and summarise the run."""
    from heatlens.api import find_project_root
    from heatlens.run.attach import Recording

    opts, statement = parse_line(line)
    code, source = placed_code(_current_raw(shell), line, cell, statement)
    counted = getattr(shell, "execution_count", 0)  # what the nested run names its code by
    number = max(0, len(getattr(getattr(shell, "history_manager", None), "input_hist_raw", []) or [""]) - 1)
    root = find_project_root()
    with ptrace_allowed() as allow:
        recording = Recording(os.getpid(), rate=opts["rate"], project_root=root)
        sampling = recording.start()
        if sampling and recording.pyspy_pid:
            allow(recording.pyspy_pid)
        try:
            outcome = shell.run_cell(code, store_history=False)
        finally:
            result = recording.stop()
    profile = result.profile
    if profile is None:
        print(f"heatlens: not profiled: {result.failure.message}", file=sys.stderr)
        return None
    transformed = shell.transform_cell(code) if hasattr(shell, "transform_cell") else code
    path = shell.compile.get_code_name(code, transformed, counted) if hasattr(shell, "compile") else ""
    cells = cell_infos(profile, shell, path, source, number)
    attach_cells(profile, cells)
    label = next((c.name for c in cells if c.profiled), f"In [{number}]")
    profile.meta.target = f"notebook {label}"
    profile.meta.argv = ["%%heatlens" if cell is not None else "%heatlens", *([line] if line.strip() else [])]
    run_id = _store(profile) if opts["store"] else None
    print(summary_text(profile, run_id))
    if getattr(outcome, "error_in_exec", None) is not None:
        print("heatlens: the cell raised; what ran until then is profiled", file=sys.stderr)
    return None


@magics_class
class HeatlensMagics(Magics):
    @line_cell_magic
    def heatlens(self, line: str, cell: Optional[str] = None) -> Any:
        """Profile this cell (`%%heatlens`) or one statement (`%heatlens f()`) with py-spy, from outside."""
        return profile_code(self.shell, line, cell)


def load(ipython: Any) -> None:
    ipython.register_magics(HeatlensMagics)
