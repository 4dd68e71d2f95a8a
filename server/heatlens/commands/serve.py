"""`heatlens serve`: the language server daemon on stdio (or TCP on 127.0.0.1 when asked)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Any, List, Optional


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the language server (LSP on stdio) for editors")
    p.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio (always 127.0.0.1; clients must send "
                   "the token from the file named on stderr)")
    p.add_argument("--port", type=int, default=2087, help="TCP port with --tcp (default 2087)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="stderr log level")
    p.set_defaults(func=run)


def setup_logging(level: str) -> None:
    # stdout belongs to the protocol: log to stderr only; pygls' per-message logging stays quiet
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pygls").setLevel(logging.WARNING)


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
    from heatlens.lsp import tcp, transport
    from heatlens.lsp.app import create_server

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _stop_on_signal)
    server = create_server()
    token_file = None
    try:
        if args.tcp:
            token, token_file = tcp.write_token_file()
            # the one line a client needs: where this launch's token is (docs/protocol.md, "TCP")
            print(f"heatlens: token file {token_file}", file=sys.stderr, flush=True)
            code = tcp.run_tcp(server, "127.0.0.1", args.port, token)
        else:
            code = transport.run_stdio(server, sys.stdin.buffer, sys.stdout.buffer)
    finally:
        if token_file:
            tcp.remove_token_file(token_file)
    if _SIGNALLED:  # the stdin reader thread is still blocked in read(): exit without joining it
        logging.shutdown()
        os._exit(128 + _SIGNALLED[0])
    return code


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="heatlens serve")
    register(parser.add_subparsers(dest="command"))
    return run(parser.parse_args(["serve", *(argv if argv is not None else sys.argv[1:])]))


if __name__ == "__main__":
    raise SystemExit(main())
