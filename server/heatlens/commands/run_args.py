"""Typed values of `heatlens run`'s options (argparse `type=` functions): sizes, intervals, timeouts,
backend names. They live with the option schema (heatlens/options.py); kept importable from here."""

from __future__ import annotations

from heatlens.options import parse_backend, parse_interval, parse_size_mb, parse_timeout

__all__ = ["parse_backend", "parse_interval", "parse_size_mb", "parse_timeout"]
