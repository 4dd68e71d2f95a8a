"""A run's reaper (run/reaper.py) started before the CLI's imports, while the rest of `heatlens run` loads.

`heatlens run` spends ~0.1 s importing and parsing before it knows what to run; the reaper's own interpreter
start (~15 ms) need not wait for that. `spawn()` starts it with `--wait`: it reads the run (argv, environment,
working directory, limits) from its control pipe once heatlens knows it (run/guard.py `take()`s it), and exits
unused when the pipe closes (a parse error, `--help`, an attach, the CLI's exit). Stdlib only, nothing heavy:
this runs before everything else."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Optional, Tuple

REAPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run", "reaper.py")

Started = Tuple["subprocess.Popen[bytes]", int, int]  # (the reaper, its control pipe's write end, status read end)
_started: Optional[Started] = None


def spawn() -> None:
    """Start a waiting reaper for this process's first run (at most one; errors leave none)."""
    global _started
    if _started is not None:
        return
    ctl_r, ctl_w = os.pipe()  # non-inheritable: only the reaper gets ctl_r and st_w (pass_fds)
    st_r, st_w = os.pipe()
    try:
        proc = subprocess.Popen([sys.executable, "-I", "-S", REAPER, str(ctl_r), str(st_w), "--wait"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, pass_fds=(ctl_r, st_w))
    except OSError:
        os.close(ctl_w)
        os.close(st_r)
        return
    finally:
        os.close(ctl_r)
        os.close(st_w)
    _started = (proc, ctl_w, st_r)


def take() -> Optional[Started]:
    """The waiting reaper, once (the next run starts its own), or None."""
    global _started
    started, _started = _started, None
    return started


def config_message(argv: list, env: dict, cwd: str, limit_bytes: int, cleanup_dir: str, inline: bool) -> bytes:
    """What a waiting reaper reads (reaper.py read_config): `config N` and N bytes of NUL-separated fields."""
    fields = [str(limit_bytes), cleanup_dir, "1" if inline else "0", cwd, str(len(argv)), *argv,
              *(f"{k}={v}" for k, v in env.items())]
    payload = b"\0".join(os.fsencode(f) for f in fields)
    return b"config %d\n" % len(payload) + payload
