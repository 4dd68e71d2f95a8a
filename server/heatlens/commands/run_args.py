"""Typed values of `heatlens run`'s options (argparse `type=` functions): sizes, intervals, timeouts,
backend names. Each raises `argparse.ArgumentTypeError`, so a bad value is a usage error (exit 2)."""

from __future__ import annotations

import argparse
import re
from typing import Optional

_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(i?)(b?)\s*$", re.IGNORECASE)


def parse_size_mb(text: str) -> int:
    """"2GiB", "1.5G", "512MB", "300" (MiB) -> MiB. KiB/MiB/GiB and bare K/M/G are binary, KB/MB/GB decimal."""
    m = _SIZE.match(text)
    if not m or (m.group(3) and not m.group(2)) or (m.group(4) and not m.group(2)):
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 512MiB or 2GiB)")
    number, unit = float(m.group(1)), m.group(2).lower()
    decimal = bool(m.group(4)) and not m.group(3)
    power = "kmgt".index(unit) + 1 if unit else 2
    size = number * (1000 if decimal else 1024) ** power if unit else number * (1 << 20)
    mb = int(round(size / (1 << 20)))
    if mb < 1:
        raise argparse.ArgumentTypeError(f"size too small: {text!r}")
    return mb


def parse_interval(text: str) -> float:
    """A sampling interval: seconds, or with a unit ("5ms", "200us")."""
    t = text.strip().lower()
    scale = 1e-3 if t.endswith("ms") else 1e-6 if t.endswith("us") else 1.0
    try:
        value = float(t[:-2] if scale != 1.0 else t.rstrip("s")) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an interval: {text!r} (e.g. 0.005, 5ms)") from None
    if not 1e-4 <= value <= 1.0:
        raise argparse.ArgumentTypeError("the sampling interval must be between 100us and 1s")
    return value


def parse_timeout(text: str) -> Optional[float]:
    """Seconds; "0" or "none" means no limit."""
    if text.strip().lower() in ("0", "none", "off"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the timeout cannot be negative")
    return value or None


def parse_backend(name: str) -> str:
    """A backend name, checked before anything runs: a typo must not surface as another failure (the
    target check comes first in the runner)."""
    from heatlens import backends

    if name == "auto" or name in backends.BACKENDS:
        return name
    raise argparse.ArgumentTypeError(f"unknown backend {name!r}; known: auto, {', '.join(sorted(backends.BACKENDS))}")
