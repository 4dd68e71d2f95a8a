"""`heatlens export -o X` and `heatlens report --output X` write into a special file at X (a FIFO, /dev/null)
and leave it what it is; only a regular file is replaced atomically (a temporary file renamed over it)."""

from __future__ import annotations

import os
import stat
import sys
import threading
from pathlib import Path
from typing import List

import pytest

from heatlens.reports.output import write_output
from heatlens_reliability import cli  # type: ignore[import-not-found]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/null")


class FifoReader:
    """Reads a FIFO to its end in a thread (the writer's open() blocks until a reader has it open)."""

    def __init__(self, path: Path) -> None:
        self.data: List[bytes] = []
        self.thread = threading.Thread(target=self._read, args=(path,), daemon=True)  # hangs only if never written
        self.thread.start()

    def _read(self, path: Path) -> None:
        with open(path, "rb") as fh:
            self.data.append(fh.read())

    def result(self, timeout: float = 60) -> bytes:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "nothing was written into the FIFO"
        return self.data[0]


def test_write_output_writes_into_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    write_output(str(fifo), "hello through the pipe\n")
    assert reader.result() == b"hello through the pipe\n"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temporary file left beside it


def test_write_output_leaves_dev_null_a_device() -> None:
    before = os.stat("/dev/null")
    write_output("/dev/null", b"x" * 10_000)
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_regular_file_is_still_replaced_atomically(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old")
    os.chmod(out, 0o640)
    inode = out.stat().st_ino
    write_output(str(out), "new")
    assert out.read_text() == "new" and stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.stat().st_ino != inode  # renamed over, not rewritten in place


def test_export_and_report_write_into_a_fifo(tmp_path: Path, marker: str) -> None:
    db = tmp_path / "store.db"
    done = cli(["run", "--backend", "agent", "--store", str(db), "-c", "sum(i * i for i in range(20000))"], marker, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    for args in (["export", "latest", "--store", str(db), "--format", "json", "-o"],
                 ["report", "latest", "--store", str(db), "--output"]):
        fifo = tmp_path / f"{args[0]}.fifo"
        os.mkfifo(fifo)
        reader = FifoReader(fifo)
        done = cli([*args, str(fifo)], marker, tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        assert len(reader.result()) > 10
        assert stat.S_ISFIFO(fifo.lstat().st_mode), f"{args[0]} replaced the FIFO"
