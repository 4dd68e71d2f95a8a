"""`heatlens serve`: the language server daemon on stdio (or TCP on 127.0.0.1 when asked)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Any, BinaryIO, List, Optional


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the language server (LSP on stdio) for editors")
    p.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio (always 127.0.0.1)")
    p.add_argument("--port", type=int, default=2087, help="TCP port with --tcp (default 2087)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="stderr log level")
    p.set_defaults(func=run)


def setup_logging(level: str) -> None:
    # stdout belongs to the protocol: log to stderr only; pygls' per-message logging stays quiet
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pygls").setLevel(logging.WARNING)


class ResyncingReader:
    """The daemon's stdin for pygls, which only takes a line that *starts* with `Content-Length:` as a
    header: after a frame whose Content-Length was wrong, every later header follows leftover bytes on its
    line and pygls would never answer again. Cutting those bytes off costs the broken frame (and at most
    the next one), never the session (tests/reliability/test_hostile_lsp.py)."""

    HEADER = b"Content-Length:"

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw

    def readline(self) -> bytes:
        line = self.raw.readline()
        at = line.find(self.HEADER)
        return line[at:] if at > 0 else line

    def read(self, n: int = -1) -> bytes:
        return self.raw.read(n)


_SIGNALLED: List[int] = []


def _stop_on_signal(signum: int, frame: Any) -> None:
    # SIGTERM/SIGHUP/SIGINT (an editor stopping its server, a closed terminal) end the daemon like `exit`:
    # the event loop's tasks are cancelled, which kills a running target's whole process tree. Without
    # this the interpreter died at once and the target, in its own session, ran on.
    _SIGNALLED.append(signum)
    # pygls then joins its stdin reader thread, blocked in read() for good: exit once the loop had time
    # to cancel its tasks (the target's tree is SIGKILLed synchronously on cancel).
    timer = threading.Timer(3.0, os._exit, [128 + signum])
    timer.daemon = True
    timer.start()
    raise SystemExit(128 + signum)


def run(args: argparse.Namespace) -> int:
    setup_logging(args.log_level)
    from heatlens.lsp.server import server

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _stop_on_signal)
    if args.tcp:
        server.start_tcp("127.0.0.1", args.port)
    else:
        server.start_io(ResyncingReader(sys.stdin.buffer))  # type: ignore[arg-type]
    if _SIGNALLED:  # the stdin reader thread is still blocked in read(): exit without joining it
        logging.shutdown()
        os._exit(128 + _SIGNALLED[0])
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="heatlens serve")
    register(parser.add_subparsers(dest="command"))
    return run(parser.parse_args(["serve", *(argv if argv is not None else sys.argv[1:])]))


if __name__ == "__main__":
    raise SystemExit(main())
