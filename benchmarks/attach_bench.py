"""Attach: does sampling a running process paint what profiling it from its start paints, and what does it cost
the process? `python -m benchmarks.attach_bench [--seconds S]` (writes ATTACH.md).

A stdlib HTTP server (tests/fixtures/attach/http_app.py) under a steady client load: (1) started under `heatlens
run` (the default backend, stopped by its timeout) and (2) started plainly and attached to for the same time.
Line TV between the two line distributions of the app's file; the process's throughput (requests answered per
second by the same client) alone, while attached, and after detaching.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from benchmarks.common import HERE, REPO
from benchmarks.exactness import tv

APP = REPO / "tests" / "fixtures" / "attach" / "http_app.py"


class Load(threading.Thread):
    """Requests in a loop; `count` answered so far."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port, self.count, self.stop = port, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=10).read()
                self.count += 1
            except OSError:
                time.sleep(0.01)


def rate(load: Load, seconds: float) -> float:
    start = load.count
    time.sleep(seconds)
    return (load.count - start) / seconds


def lines_of(profile: object) -> Dict[Tuple[str, int], float]:
    out: Dict[Tuple[str, int], float] = {}
    for f in getattr(profile, "files", []):
        if f.path == str(APP):
            for s in f.lines:
                out[(f.path, s.line)] = s.cpu
    return out


def from_start(seconds: float) -> Dict[Tuple[str, int], float]:
    """The server run under heatlens from its start, with the load, stopped by the timeout."""
    from heatlens.backends.base import Target
    from heatlens.run.runner import RunOptions, profile_target

    async def go() -> object:
        task = asyncio.ensure_future(profile_target(Target("script", str(APP), cwd=str(APP.parent)),
                                                    RunOptions(timeout=seconds + 1.0)))
        port_file_wait = time.monotonic() + 10
        loads: List[Load] = []
        while time.monotonic() < port_file_wait and not task.done():
            await asyncio.sleep(0.2)
            port = _listening_port()
            if port:
                loads.append(Load(port))
                loads[0].start()
                break
        result = await task
        for load in loads:
            load.stop.set()
        return result.profile

    return lines_of(asyncio.run(go()))


def _listening_port() -> Optional[int]:
    import psutil

    for proc in psutil.process_iter(["cmdline"]):
        if str(APP) in " ".join(proc.info.get("cmdline") or []):
            for c in proc.net_connections(kind="inet"):
                if c.status == psutil.CONN_LISTEN:
                    return int(c.laddr.port)
    return None


def attached(seconds: float, rate_hz: int) -> Tuple[Dict[Tuple[str, int], float], float, float, float]:
    from heatlens.run.attach import attach

    proc = subprocess.Popen([sys.executable, str(APP)], stdout=subprocess.PIPE, text=True, cwd=APP.parent)
    try:
        load = Load(int(proc.stdout.readline()))
        load.start()
        time.sleep(1.0)
        alone = rate(load, seconds)
        box: Dict[str, object] = {}
        sampler = threading.Thread(target=lambda: box.update(r=asyncio.run(attach(proc.pid, duration=seconds + 0.5, rate=rate_hz))))
        sampler.start()
        time.sleep(0.3)  # py-spy attached
        during = rate(load, seconds)
        sampler.join()
        after = rate(load, seconds)
        load.stop.set()
        return lines_of(getattr(box.get("r"), "profile", None)), alone, during, after
    finally:
        proc.kill()
        proc.wait()


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--rate", type=int, default=250, help="attach's samples per second (heatlens attach --rate)")
    args = ap.parse_args(argv)
    start_lines = from_start(args.seconds)
    attach_lines, alone, during, after = attached(args.seconds, args.rate)
    text = "\n".join([
        f"# Attach ({args.rate} Hz) vs profiling from the start (HTTP server under load, client on the same 2 cores)", "",
        f"- line TV between the two runs' distributions over the app's lines: {tv(attach_lines, start_lines):.3f}",
        f"- requests/s: alone {alone:.1f}, while attached {during:.1f} ({(1 - during / alone) * 100 if alone else float('nan'):+.1f} % "
        f"slower), after detaching {after:.1f}",
        f"- sampled lines: from the start {len(start_lines)}, attached {len(attach_lines)}", ""])
    with open(HERE / "ATTACH.md", "a") as f:
        f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
