"""`heatlens serve`: the language server daemon on stdio (or TCP on 127.0.0.1 when asked)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any, List, Optional


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


def run(args: argparse.Namespace) -> int:
    setup_logging(args.log_level)
    from heatlens.lsp.server import server

    if args.tcp:
        server.start_tcp("127.0.0.1", args.port)
    else:
        server.start_io()
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="heatlens serve")
    register(parser.add_subparsers(dest="command"))
    return run(parser.parse_args(["serve", *(argv if argv is not None else sys.argv[1:])]))


if __name__ == "__main__":
    raise SystemExit(main())
