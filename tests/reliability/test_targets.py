"""Misbehaving targets, each profiled through the CLI and through the daemon (`heatlens/profile`).

For each: the right failure class, a clear message, no process left (every process carrying the run's
marker in its argv or environment), the store unchanged apart from at most the one recorded run, and for
the daemon, an answer to the next request.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional

import psutil
import pytest
import pytest_lsp
from pytest_lsp import LanguageClient
from pygls.uris import from_fs_path

from heatlens_reliability import (  # type: ignore[import-not-found]
    MARKER_VAR, MISBEHAVING, TARGETS, assert_nothing_left, assert_store_grew_by_at_most_one, cli, failure_kind_of,
    lsp_conftest, new_marker, store_rows,
)
from heatlens.commands.run import EXIT_CODES
from heatlens.lsp import protocol as hp
from heatlens.model import FailureKind

TIMEOUT_S = 3.0  # the infinite loop's timeout
MEMORY_MB = 1024  # the address-space limit of every run here


class Case(NamedTuple):
    make: Callable[[Path], Path]  # writes the target into a folder, returns its path
    kind: FailureKind
    words: List[str]  # what the message must say (case-insensitive)


def copy_of(folder: Path, name: str) -> Callable[[Path], Path]:
    def make(dest: Path) -> Path:
        return Path(shutil.copy(folder / name, dest / name))

    return make


def source(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(dest: Path) -> Path:
        (dest / name).write_bytes(data)
        return dest / name

    return make


def hostile_path(dest: Path) -> Path:
    """A folder and a file name with spaces, quotes, `$(…)` and non-ASCII: any shell would misread them."""
    folder = dest / "dir with 'single' \"double\" $(touch PWNED) ünïcødé ✓"
    folder.mkdir()
    path = folder / "prog $(touch PWNED2) `id` 'x' ü.py"
    path.write_text("import os\nprint('ran from', os.path.basename(__file__))\n", encoding="utf-8")
    return path


FIFTY_K = "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(25_000)).encode() + b"print(f24999(1))\n"

CASES: Dict[str, Case] = {
    "syntax-error": Case(copy_of(TARGETS, "syntax_error.py"), FailureKind.SYNTAX_ERROR, ["syntax", "syntax_error.py:4"]),
    "import-error": Case(copy_of(TARGETS, "import_unknown.py"), FailureKind.IMPORT_ERROR, ["heatlens_fixture_no_such_module"]),
    "sys-exit-3": Case(copy_of(TARGETS, "exit_3.py"), FailureKind.NONZERO_EXIT, ["3"]),
    "os-exit-7": Case(copy_of(TARGETS, "os_exit_7.py"), FailureKind.NONZERO_EXIT, ["7"]),
    "segfault": Case(copy_of(TARGETS, "segfault.py"), FailureKind.SIGNAL, ["SIGSEGV"]),
    "infinite-loop": Case(copy_of(TARGETS, "forever.py"), FailureKind.TIMEOUT, ["timeout", "3"]),
    "unbounded-allocation": Case(copy_of(TARGETS, "allocate_forever.py"), FailureKind.OUT_OF_MEMORY, ["memory"]),
    "fork-thread-storm": Case(copy_of(MISBEHAVING, "storm.py"), FailureKind.OK, []),
    "100mb-stdout": Case(copy_of(TARGETS, "print_100mb.py"), FailureKind.OK, []),
    "reads-stdin": Case(copy_of(TARGETS, "reads_stdin.py"), FailureKind.EXCEPTION, ["EOFError"]),
    "setsid-grandchild": Case(copy_of(TARGETS, "daemon_grandchild.py"), FailureKind.OK, []),
    "changes-cwd": Case(copy_of(MISBEHAVING, "chdir_raise.py"), FailureKind.EXCEPTION, ["RuntimeError", "failed after chdir"]),
    "deletes-itself": Case(copy_of(MISBEHAVING, "deletes_itself.py"), FailureKind.OK, []),
    "bom": Case(source("bom.py", b"\xef\xbb\xbfprint('bom ok')\n"), FailureKind.OK, []),
    "crlf": Case(source("crlf.py", b"import sys\r\ndef f():\r\n    return 1\r\nprint(f())\r\n"), FailureKind.OK, []),
    "tabs": Case(source("tabs.py", b"def f():\n\tx = 1\n\treturn x\nprint(f())\n"), FailureKind.OK, []),
    "mixed-tabs": Case(source("mixed.py", b"def f():\n        x = 1\n\treturn x\n"), FailureKind.SYNTAX_ERROR, ["indent"]),
    "latin-1-declared": Case(source("latin.py", b"# -*- coding: latin-1 -*-\ns = '\xe9'\nprint(len(s))\n"), FailureKind.OK, []),
    "non-utf8-bytes": Case(source("bytes.py", b"s = '\xe9\xff'\nprint(s)\n"), FailureKind.SYNTAX_ERROR, ["utf-8"]),
    "50k-lines": Case(source("big.py", FIFTY_K), FailureKind.OK, []),
    "hostile-path": Case(hostile_path, FailureKind.OK, []),
}


def check_message(kind: str, message: str, case: Case) -> None:
    assert kind == case.kind.value, message
    for word in case.words:
        assert word.lower() in message.lower(), f"{word!r} not in {message!r}"
    if case.kind is not FailureKind.OK:
        assert len(message) > 10


# ---- through the CLI --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-store") / "runs.db"


@pytest.mark.parametrize("name", list(CASES))
def test_cli(name: str, tmp_path: Path, cli_store: Path) -> None:
    case = CASES[name]
    marker = new_marker()
    path = case.make(tmp_path)
    before = store_rows(cli_store)
    args = ["run", "--backend", "agent", "--timeout", str(TIMEOUT_S if name == "infinite-loop" else 120),
            "--memory-limit", f"{MEMORY_MB}MiB", "--store", str(cli_store), "--project-root", str(tmp_path),
            "--", str(path), marker]
    done = cli(args, marker, cwd=tmp_path, stdout=open(tmp_path.parent / f"{tmp_path.name}.out", "wb"))
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == EXIT_CODES[case.kind], stderr[-2000:]
    if case.kind is not FailureKind.OK:
        line = [t for t in stderr.splitlines() if t.startswith(f"heatlens: {case.kind.value}: ")]
        assert line, stderr[-2000:]
        check_message(case.kind.value, line[-1].split(": ", 2)[2], case)
    assert_nothing_left(marker)
    new = assert_store_grew_by_at_most_one(before, store_rows(cli_store))
    for run_id in new:
        assert failure_kind_of(cli_store, run_id) == case.kind.value
    assert not list(tmp_path.rglob("PWNED*"))


# ---- through the daemon -----------------------------------------------------------------------------


@pytest_lsp.fixture(config=lsp_conftest.CONFIG, scope="module")
async def daemon(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    await lsp_client.start(tmp_path_factory.mktemp("ws"), {"memoryLimitMb": MEMORY_MB, "backend": "agent"})
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("name", list(CASES))
async def test_daemon(name: str, daemon) -> None:  # type: ignore[no-untyped-def]
    case = CASES[name]
    marker = new_marker()
    folder = daemon.root / name
    folder.mkdir()
    path = case.make(folder)
    db = daemon.root / ".heatlens" / "heatlens.db"
    before = store_rows(db)
    uri = from_fs_path(str(path))
    timeout = TIMEOUT_S if name == "infinite-loop" else 120
    summary = await daemon.profile(uri=uri, args=[marker], env={MARKER_VAR: marker}, timeout=timeout)
    check_message(summary.failure.kind, summary.failure.message, case)
    # The daemon still answers, and lists what it just stored.
    runs = await asyncio.wait_for(daemon.protocol.send_request_async(hp.RUNS, hp.RunsParams(limit=5)), 60)
    if summary.run_id is not None:
        assert runs.runs[0].run_id == summary.run_id
        assert runs.runs[0].failure == case.kind.value
    await asyncio.to_thread(assert_nothing_left, marker)
    daemon_pid = daemon._server.pid
    assert psutil.Process(daemon_pid).children(recursive=True) == []
    new = assert_store_grew_by_at_most_one(before, store_rows(db))
    assert new == ([summary.run_id] if summary.run_id is not None else [])
    assert not list(folder.rglob("PWNED*"))
