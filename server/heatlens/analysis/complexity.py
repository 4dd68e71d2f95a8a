"""Empirical complexity ("big-O") of one function: time it at growing input sizes and fit growth models.

The function runs in a SUBPROCESS of the target's interpreter (`jobs/complexity.py` runs
`jobs/complexity_driver.py`), never in the daemon; this module reads the hints and fits what it timed. What
to run comes from comments right above the function (or its decorators):

    # heatlens: sizes=100..100k          (8 sizes spaced geometrically; or a list: sizes=100,1k,10k,100k)
    # heatlens: input=make_input         (make_input(n) -> the one argument; default: n itself)
    # heatlens: args=make_args           (make_args(n) -> a tuple of positional arguments)
    # heatlens: repeat=5
    def my_function(xs): ...

Each size is timed `repeat` times (fresh input each time, built outside the timing), more while its two
fastest timings disagree by over 3 % (a busy machine), and the minimum is fitted. Models t(n) = a + b·f(n), a, b ≥ 0, f ∈ {1, log n, n, n log n, n², n³}, by least squares on
RELATIVE error (timing noise is proportional). The simplest model whose error is within the measured
noise of the best one wins: a more complex curve must earn its place.
"""

from __future__ import annotations

import math
import re
import statistics
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import attrs

DEFAULT_SIZES = (100, 300, 1000, 3000, 10000, 30000, 100000)
DEFAULT_REPEAT = 5
DEFAULT_BUDGET = 60.0  # seconds of timing before larger sizes are skipped
_HINT = re.compile(r"^\s*#\s*heatlens:\s*(.*)$")
_SUFFIX = {"k": 1_000, "m": 1_000_000}
TINY_SHARE = 0.01  # sizes timed below 1% of the slowest are left out of the fit...
MIN_FITTED = 4  # ...unless fewer than this many would remain
FLAT_GROWTH = ((100, 1.5), (10, 1.25))  # (n grew ≥ this ×, time grew ≤ this ×): constant. Even log n with no
# constant part grows 1.5× over 100× from n = 10k, and hash tables or caches wobble a constant by ±20%.
MAX_NOISE = 0.1  # a noisier machine must not make every curve "fit within noise"

MODELS: List[Tuple[str, Callable[[float], float]]] = [  # simplest first
    ("O(1)", lambda n: 1.0),
    ("O(log n)", lambda n: math.log(n)),
    ("O(n)", lambda n: n),
    ("O(n log n)", lambda n: n * math.log(n)),
    ("O(n²)", lambda n: n * n),
    ("O(n³)", lambda n: n * n * n),
]


class ComplexityError(Exception):
    """The function could not be found, timed, or fitted; the message says why."""


@attrs.define
class Hints:
    sizes: Optional[List[int]] = None
    factory: Optional[str] = None
    unpack: bool = False
    repeat: Optional[int] = None


@attrs.define
class Fit:
    label: str
    a: float  # seconds: the constant part
    b: float  # seconds per unit of f(n)
    rel_error: float  # root mean square of (predicted - measured) / measured
    r2: float


@attrs.define
class SizeRun:
    n: int
    best: float  # seconds per call: minimum over the repeats
    median: float
    times: List[float] = attrs.Factory(list)


@attrs.define
class ComplexityResult:
    function: str
    file: str
    line: int
    best: Fit
    fits: List[Fit]
    runs: List[SizeRun]
    noise: float  # typical relative spread of repeats
    fit_from: int = 0  # smallest size the fit used (see fitted_runs)

    @property
    def label(self) -> str:
        return self.best.label

    def to_dict(self) -> Dict[str, object]:
        data = attrs.asdict(self)
        data["summary"] = summary_text(self)
        return data


# ---- hints ---------------------------------------------------------------------------------------

def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    mult = _SUFFIX.get(text[-1:], 1)
    value = float(text[:-1] if mult > 1 else text)
    if value < 1:
        raise ValueError(f"size {text!r} must be ≥ 1")
    return int(round(value * mult))


def _round2(x: float) -> int:
    """Two significant digits: geometric sizes read as 3100, not 3129."""
    digits = max(0, int(math.floor(math.log10(x))) - 1)
    return int(round(x / 10 ** digits) * 10 ** digits)


def parse_sizes(text: str) -> List[int]:
    """"100,1k,10k" or a geometric range "100..100k" (8 sizes) or "100..100k:5" (5 sizes)."""
    text = text.strip()
    if ".." in text:
        span, _, count = text.partition(":")
        low, high = (parse_size(x) for x in span.split("..", 1))
        k = int(count) if count else 8
        if high <= low or k < 2:
            raise ValueError(f"bad size range {text!r}")
        ratio = (high / low) ** (1.0 / (k - 1))
        sizes = [_round2(low * ratio ** i) for i in range(k)]
    else:
        sizes = [parse_size(x) for x in text.split(",") if x.strip()]
    sizes = sorted(set(sizes))
    if len(sizes) < 3:
        raise ValueError("at least 3 distinct sizes are needed to fit a curve")
    return sizes


def parse_hints(lines: Sequence[str], first_line: int) -> Hints:
    """Hints from the comment block right above `first_line` (1-based: the function's first decorator)."""
    hints = Hints()
    i = first_line - 2
    while i >= 0 and (_HINT.match(lines[i]) or lines[i].strip().startswith("#")):
        m = _HINT.match(lines[i])
        for key, _, value in (part.partition("=") for part in (m.group(1).split() if m else [])):
            key = key.strip().lower()
            if key == "sizes":
                hints.sizes = parse_sizes(value)
            elif key in ("input", "args"):
                hints.factory, hints.unpack = value.strip(), key == "args"
            elif key == "repeat":
                hints.repeat = max(1, int(value))
        i -= 1
    return hints


def locate(path: str, qualname: str) -> Tuple[int, Hints]:
    """The function's first line and its hints; raises ComplexityError when it is not in the file."""
    from heatlens.mapping.source_index import decode_source, index_for

    try:
        text = decode_source(Path(path).read_bytes())
    except OSError as exc:
        raise ComplexityError(f"cannot read {path}: {exc}") from exc
    index = index_for(path, text)
    scopes = [s for s in index.scopes_by_qualname(qualname) if s.is_function]
    if not scopes:
        found = ", ".join(s.qualname for s in index.functions[:10]) or "none"
        raise ComplexityError(f"no function {qualname!r} in {path} (functions: {found})")
    scope = scopes[0]
    try:
        return scope.start_line, parse_hints(text.splitlines(), scope.start_line)
    except ValueError as exc:
        raise ComplexityError(f"bad `# heatlens:` hint above {qualname}: {exc}") from exc


def hinted_functions(path: str, text: str) -> List[Tuple[str, int]]:
    """(qualname, first line) of every function with a `# heatlens:` hint above it: where an editor puts
    a "Measure complexity" code lens."""
    from heatlens.mapping.source_index import index_for

    lines = text.splitlines()
    found = []
    for scope in index_for(path, text).functions:
        i = scope.start_line - 2
        while i >= 0 and lines[i].strip().startswith("#"):
            if _HINT.match(lines[i]):
                found.append((scope.qualname, scope.start_line))
                break
            i -= 1
    return found


# ---- fitting (pure) ------------------------------------------------------------------------------

def _weighted_fit(xs: Sequence[float], ts: Sequence[float]) -> Tuple[float, float]:
    """a, b ≥ 0 minimizing Σ ((a + b·x - t) / t)²."""
    w = [1.0 / (t * t) for t in ts]
    sw = sum(w)
    swx = sum(wi * x for wi, x in zip(w, xs))
    swxx = sum(wi * x * x for wi, x in zip(w, xs))
    swt = sum(wi * t for wi, t in zip(w, ts))
    swxt = sum(wi * x * t for wi, x, t in zip(w, xs, ts))
    det = sw * swxx - swx * swx
    if det > 0:
        a = (swxx * swt - swx * swxt) / det
        b = (sw * swxt - swx * swt) / det
        if a >= 0 and b >= 0:
            return a, b
    b_only = max(0.0, swxt / swxx) if swxx > 0 else 0.0  # a = 0
    a_only = swt / sw  # b = 0
    err_b = sum(wi * (b_only * x - t) ** 2 for wi, x, t in zip(w, xs, ts))
    err_a = sum(wi * (a_only - t) ** 2 for wi, t in zip(w, ts))
    return (0.0, b_only) if err_b < err_a else (a_only, 0.0)


def fit_models(ns: Sequence[int], ts: Sequence[float]) -> List[Fit]:
    if len(ns) < 3 or any(t <= 0 for t in ts):
        raise ComplexityError("need at least 3 sizes with positive times to fit")
    mean = sum(ts) / len(ts)
    ss_tot = sum((t - mean) ** 2 for t in ts)
    fits = []
    for label, f in MODELS:
        xs = [f(float(n)) for n in ns]
        if label == "O(1)":
            a, b = sum(1 / t for t in ts) / sum(1 / (t * t) for t in ts), 0.0
        else:
            a, b = _weighted_fit(xs, ts)
        pred = [a + b * x for x in xs]
        rel = math.sqrt(sum(((p - t) / t) ** 2 for p, t in zip(pred, ts)) / len(ts))
        ss_res = sum((p - t) ** 2 for p, t in zip(pred, ts))
        fits.append(Fit(label, a, b, rel, 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0))
    return fits


def choose(fits: Sequence[Fit], noise: float, flat: bool = False) -> Fit:
    """The simplest model whose relative error is within noise of the best one's; O(1) outright when
    the time stayed flat (`flat`) while n grew tenfold or more."""
    if flat:
        return fits[0]
    best = min(fits, key=lambda f: f.rel_error)
    tolerance = best.rel_error * 1.25 + min(MAX_NOISE, max(0.02, noise))
    for fit in fits:  # MODELS order: simplest first
        if fit.rel_error <= tolerance and (fit.label == "O(1)" or fit.b > 0):
            return fit
    return best


def noise_of(runs: Sequence[SizeRun]) -> float:
    """How reproducible the minimum is: the median gap between the two fastest repeats, relative.
    (The median of all repeats mostly measures other processes stealing the CPU, not our timing.)"""
    spreads = []
    for r in runs:
        fastest = sorted(r.times)[:2]
        if len(fastest) == 2 and fastest[0] > 0:
            spreads.append(fastest[1] / fastest[0] - 1.0)
    return statistics.median(spreads) if spreads else 0.0


def fitted_runs(runs: Sequence[SizeRun]) -> List[SizeRun]:
    """The runs the fit uses: big-O is about large n, and calls 100× faster than the slowest are mostly
    call overhead and cache effects; the largest MIN_FITTED sizes are always kept."""
    ordered = sorted(runs, key=lambda r: r.n)
    slowest = max((r.best for r in ordered), default=0.0)
    keep = [r for r in ordered if r.best >= slowest * TINY_SHARE]
    return keep if len(keep) >= MIN_FITTED else ordered[-MIN_FITTED:]


def is_flat(n_low: int, n_high: int, t_low: float, t_high: float) -> bool:
    return any(n_high >= grew * n_low and t_high <= limit * t_low for grew, limit in FLAT_GROWTH)


def analyze(function: str, file: str, line: int, raw_runs: Sequence[Dict[str, Any]]) -> ComplexityResult:
    runs = []
    for r in raw_runs:  # the timing process's JSON: {"n": int, "times": [seconds, ...]}
        times = [float(t) for t in r["times"]]
        runs.append(SizeRun(int(r["n"]), min(times), statistics.median(times), times))
    used = fitted_runs(runs)
    fits = fit_models([r.n for r in used], [r.best for r in used])
    noise = noise_of(used)
    ts = [r.best for r in used]
    flat = is_flat(used[0].n, used[-1].n, min(ts), max(ts))
    return ComplexityResult(function, file, line, choose(fits, noise, flat), fits, runs, noise, used[0].n)


def format_n(n: int) -> str:
    for div, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= div and n % (div // 10) == 0:
            text = f"{n / div:.1f}".rstrip("0").rstrip(".")
            return text + suffix
    return str(n)


def summary_text(result: ComplexityResult) -> str:
    """The code lens title: "≈ O(n²) (R² 0.99, n=10…100k)"."""
    span = f"n={format_n(result.fit_from or result.runs[0].n)}…{format_n(result.runs[-1].n)}"
    if result.best.label == "O(1)":
        return f"≈ O(1) (±{result.best.rel_error * 100:.0f}%, {span})"
    return f"≈ {result.best.label} (R² {result.best.r2:.2f}, {span})"


def failure_message(qualname: str, error: str, factory: Optional[str]) -> str:
    """What went wrong while timing; without an input factory the function got the bare size n, which is
    the usual cause of a TypeError (`'int' object is not iterable`): say how to give it real input."""
    text = f"{qualname} failed while being timed: {error}"
    if factory or not error.startswith("TypeError"):
        return text
    return (f"{text}\n{qualname} was called with the size n itself (an int), since no input factory was given. "
            f"Give one that builds its argument for size n: `--input make_input` (make_input(n) in the same "
            f"module returns the argument; `--args NAME` for a tuple of arguments), or the comment "
            f"`# heatlens: input=make_input` above `def {qualname.rsplit('.', 1)[-1]}`.")
