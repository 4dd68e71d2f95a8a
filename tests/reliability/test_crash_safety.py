"""kill -9 of the CLI and of the daemon at random points while they store runs: the database stays
intact (`PRAGMA integrity_check`) and every run reported as stored is there."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

from heatlens_reliability import clean_env, integrity, new_marker, store_rows, wire  # type: ignore[import-not-found]

STORED = re.compile(rb"stored as run #(\d+)")


def test_cli_killed_mid_write(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    rng = random.Random(9)
    reported: List[int] = []
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-m", "heatlens", "run", "--backend", "agent", "--repeat", "6", "--store", str(db),
                                 "-c", "sum(i * i for i in range(20000))"], cwd=str(tmp_path), env=clean_env(new_marker()),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seen: List[int] = []

        def read(p: subprocess.Popen = proc, out: List[int] = seen) -> None:
            for line in p.stderr:  # type: ignore[union-attr]
                m = STORED.search(line)
                if m:
                    out.append(int(m.group(1)))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        time.sleep(rng.uniform(0.8, 4.0))
        proc.kill()
        proc.wait()
        reader.join(10)
        reported += seen
        assert integrity(db) == "ok" if db.exists() else True
    rows = store_rows(db)
    assert reported, "no run completed before the kills: the delays are too short"
    assert set(reported) <= set(rows)


def test_daemon_killed_mid_write(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("print(sum(i * i for i in range(20000)))\n")
    rng = random.Random(3)
    reported: List[int] = []
    for _ in range(4):
        w = wire.Wire(str(tmp_path))
        w.initialize(str(tmp_path), {"backend": "agent"})
        deadline = time.monotonic() + rng.uniform(1.0, 4.0)
        try:
            while time.monotonic() < deadline:
                answer = w.call("heatlens/profile", {"uri": "file://" + str(tmp_path / "prog.py")}, timeout=60)
                if answer.get("result", {}).get("runId") is not None:
                    reported.append(answer["result"]["runId"])
            w.request("heatlens/profile", {"uri": "file://" + str(tmp_path / "prog.py")})
            time.sleep(rng.uniform(0.0, 0.5))  # somewhere in the next run: running, storing or publishing
        finally:
            w.proc.kill()
            w.proc.wait()
            w.close()
        db = tmp_path / ".heatlens" / "heatlens.db"
        assert integrity(db) == "ok"
    assert reported
    assert set(reported) <= set(store_rows(tmp_path / ".heatlens" / "heatlens.db"))
