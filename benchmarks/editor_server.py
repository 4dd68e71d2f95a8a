"""`heatlens serve` plus one benchmark-only backend, "replay", for the editor-latency benchmark.

"replay" runs the target for real under the plain interpreter (so the runner, the subprocess, the store,
the mapping and the publishing all do their real work), but its adapter returns a pre-built profile read
from the msgpack file named by $HEATLENS_BENCH_REPLAY: a profile with data on every one of the 5,000 lines
of the generated file, which no sampler would give in a run short enough to benchmark. Everything else is
the daemon as editors start it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, List

from heatlens import backends, model
from heatlens.backends.base import Backend, BackendOptions, BackendOutputError, Target
from heatlens.model import Profile, RunMeta

REPLAY_VAR = "HEATLENS_BENCH_REPLAY"
LOG_VAR = "HEATLENS_BENCH_LOG"  # a file that also receives the daemon's log (its own timers)


class ReplayBackend(Backend):
    name = "replay"
    summary = "benchmark only: runs the target, returns a pre-built profile"

    def command(self, target: Target, python: str, out_dir: Path, options: BackendOptions) -> List[str]:
        return [python, *target.python_argv_tail()]

    def environment(self, target: Target, out_dir: Path, options: BackendOptions) -> Dict[str, str]:
        return {}

    def read(self, out_dir: Path, meta: RunMeta) -> Profile:
        path = os.environ.get(REPLAY_VAR, "")
        try:
            profile = model.loads(Path(path).read_bytes())
        except (OSError, model.SchemaError) as exc:
            raise BackendOutputError(f"no replay profile at {path!r}: {exc}") from exc
        profile.meta = meta
        return profile


def main() -> int:
    backends.BACKENDS["replay"] = ReplayBackend()
    from heatlens.commands import serve

    if os.environ.get(LOG_VAR):
        import logging

        handler = logging.FileHandler(os.environ[LOG_VAR])
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
        quiet = logging.StreamHandler(sys.stderr)
        quiet.setLevel(logging.WARNING)
        logger = logging.getLogger("heatlens")
        logger.addHandler(handler)
        logger.addHandler(quiet)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # INFO goes to the file only; the client's stderr sees warnings

    return serve.main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
