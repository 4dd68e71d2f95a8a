"""Compare two runs, or two groups of repeated runs, and say which changes the data supports.

Pure: profiles in, a `Comparison` out. Each compared quantity (overall wall/CPU time, peak memory, a
function's time and memory, a line's time and memory) gets a `Change` with a verdict:

- With at least two runs on each side the spread decides: a percentile bootstrap interval of the ratio of
  means (stdlib `random`, fixed seed, so a comparison is reproducible) must exclude "no change", and with
  four or more runs per side an exact Mann–Whitney rank test must agree (p < alpha); only then is a change
  larger than `threshold` called a regression or an improvement. With two or three runs the bootstrap
  interval is about as wide as the runs' range, so it only reports changes the runs cannot hide.
- With a single run on either side there is no spread to judge noise by: the verdict says so, and a change
  counts only beyond a conservative fixed threshold (`SINGLE_RUN_THRESHOLD`, or `threshold` if larger).

Thresholds are symmetric in ratio: a regression is b/a > 1 + t, an improvement b/a < 1 / (1 + t).
"""

from __future__ import annotations

import functools
import math
import random
import statistics
import zlib
from typing import Dict, List, Optional, Sequence, Tuple

import attrs

from heatlens.model import FailureKind, Profile

REGRESSION = "regression"
IMPROVEMENT = "improvement"
NOISE = "within noise"

DEFAULT_THRESHOLD = 0.05
SINGLE_RUN_THRESHOLD = 0.25
ALPHA = 0.05
RESAMPLES = 2000
MIN_SHARE = 0.01  # functions/lines below this share on both sides are not compared
HOT_SHARE = 0.05  # share that makes a function a hot spot
EXACT_MW_LIMIT = 30  # exact Mann–Whitney distribution up to this many runs per side
NOT_ENOUGH_RUNS = "not enough runs to judge noise (use --repeat N)"


@attrs.define
class Change:
    """One quantity before (a) and after (b): per-run values, relative change, its interval, verdict."""

    a: List[float]
    b: List[float]
    a_mean: float
    b_mean: float
    change: float  # b_mean / a_mean - 1: +0.3 is 30 % more time (or memory); inf when a_mean is 0
    ci_low: Optional[float]  # bounds of `change` (95 % by default); None without spread
    ci_high: Optional[float]
    p_value: Optional[float]  # two-sided Mann–Whitney, with >= 4 runs per side
    verdict: str
    note: str = ""

    @property
    def delta(self) -> float:
        return self.b_mean - self.a_mean

    @property
    def speedup(self) -> Optional[float]:
        """a / b: 2.0 means twice as fast."""
        return self.a_mean / self.b_mean if self.b_mean > 0 else None


@attrs.define
class FunctionDelta:
    file: str
    qualname: str
    line_a: Optional[int]
    line_b: Optional[int]
    self_time: Change
    total_time: Change
    mem: Change
    share_a: float
    share_b: float


@attrs.define
class LineDelta:
    file: str
    line: int
    cpu: Change
    mem: Change
    share_a: float
    share_b: float


@attrs.define
class Comparison:
    runs_a: int
    runs_b: int
    threshold: float
    wall: Change
    cpu: Change
    peak_mem: Optional[Change]
    functions: List[FunctionDelta]  # biggest absolute time change first
    lines: List[LineDelta]
    new_hotspots: List[FunctionDelta]
    removed_hotspots: List[FunctionDelta]
    notes: List[str]
    metric: str = "wall"  # which overall time decides `regressed`: "wall" or "cpu"

    @property
    def regressed(self) -> bool:
        """The overall time (`metric`) regressed beyond the threshold, and the data supports it."""
        return (self.cpu if self.metric == "cpu" else self.wall).verdict == REGRESSION


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def _seed(key: object) -> int:
    """A per-item seed that is the same in every process (str hashes are salted per process)."""
    return zlib.crc32(repr(key).encode())


def _ratio(a: float, b: float) -> float:
    if a > 0:
        return b / a
    return 1.0 if b <= 0 else math.inf


@functools.lru_cache(maxsize=None)
def _u_counts(m: int, n: int) -> Tuple[int, ...]:
    """Number of orderings of m + n distinct values giving each U statistic 0..m*n (for the exact test)."""
    if m == 0 or n == 0:
        return (1,)
    left, right = _u_counts(m - 1, n), _u_counts(m, n - 1)
    out = [0] * (m * n + 1)
    for u, c in enumerate(left):
        out[u + n] += c
    for u, c in enumerate(right):
        out[u] += c
    return tuple(out)


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided Mann–Whitney U p-value: exact without ties for small samples, else normal with tie correction."""
    m, n = len(a), len(b)
    u = sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in a for y in b)  # U of a
    pooled = list(a) + list(b)
    tied = len(set(pooled)) < len(pooled)
    if not tied and max(m, n) <= EXACT_MW_LIMIT:
        counts = _u_counts(m, n)
        total = sum(counts)
        k = int(round(u))
        lower, upper = sum(counts[: k + 1]) / total, sum(counts[k:]) / total
        return min(1.0, 2.0 * min(lower, upper))
    mu = m * n / 2.0
    ties = sum(c ** 3 - c for c in (pooled.count(v) for v in set(pooled)))
    var = m * n / 12.0 * ((m + n + 1) - ties / ((m + n) * (m + n - 1)))
    if var <= 0:
        return 1.0
    z = (abs(u - mu) - 0.5) / math.sqrt(var)
    return min(1.0, 2.0 * (1.0 - statistics.NormalDist().cdf(max(z, 0.0))))


def bootstrap_ratio(a: Sequence[float], b: Sequence[float], alpha: float, resamples: int, seed: int) -> Tuple[float, float]:
    """Percentile bootstrap interval of mean(b) / mean(a), resampling each side independently."""
    rng = random.Random(seed)
    ratios = []
    for _ in range(resamples):
        ma = _mean(rng.choices(a, k=len(a)))
        mb = _mean(rng.choices(b, k=len(b)))
        ratios.append(_ratio(ma, mb))
    ratios.sort()
    lo = ratios[int(math.floor(alpha / 2 * (resamples - 1)))]
    hi = ratios[int(math.ceil((1 - alpha / 2) * (resamples - 1)))]
    return lo, hi


def judge(
    a: Sequence[float], b: Sequence[float], threshold: float = DEFAULT_THRESHOLD, alpha: float = ALPHA,
    min_abs: float = 0.0, seed: int = 0, resamples: int = RESAMPLES,
) -> Change:
    """The verdict on one quantity measured in runs `a` (before) and `b` (after); see the module doc."""
    a, b = [float(x) for x in a], [float(x) for x in b]
    a_mean, b_mean = _mean(a), _mean(b)
    ratio = _ratio(a_mean, b_mean)
    change = ratio - 1.0
    result = Change(a, b, a_mean, b_mean, change, None, None, None, NOISE)
    if not a or not b:
        result.note = "no data on one side"
        return result
    if min(len(a), len(b)) < 2:
        limit = max(threshold, SINGLE_RUN_THRESHOLD)
        result.note = NOT_ENOUGH_RUNS
        up, down = ratio > 1.0 + limit, ratio < 1.0 / (1.0 + limit)
    else:
        lo, hi = bootstrap_ratio(a, b, alpha, resamples, seed)
        result.ci_low, result.ci_high = lo - 1.0, hi - 1.0
        rank_ok = True
        if min(len(a), len(b)) >= 4:
            result.p_value = mann_whitney_p(a, b)
            rank_ok = result.p_value < alpha
        else:
            result.note = "few runs: the interval is rough"
        up = lo > 1.0 and rank_ok and ratio > 1.0 + threshold
        down = hi < 1.0 and rank_ok and ratio < 1.0 / (1.0 + threshold)
    if abs(b_mean - a_mean) < min_abs:
        return result  # too small to matter, whatever the statistics say
    if up:
        result.verdict = REGRESSION
    elif down:
        result.verdict = IMPROVEMENT
    return result


def _usable(runs: Sequence[Profile], notes: List[str], side: str) -> List[Profile]:
    ok = [p for p in runs if p.meta.failure.kind is FailureKind.OK]
    if len(ok) < len(runs):
        if ok:
            notes.append(f"{side}: {len(runs) - len(ok)} failed run(s) left out of the time comparison")
            return ok
        notes.append(f"{side}: every run failed; times compared anyway")
    return list(runs)


def _function_values(runs: Sequence[Profile]) -> Dict[Tuple[str, str], Tuple[List[float], List[float], List[float], int]]:
    """(file, qualname) -> per-run self, total, alloc MB (0 where absent) and the last first-line seen."""
    out: Dict[Tuple[str, str], Tuple[List[float], List[float], List[float], int]] = {}
    for i, prof in enumerate(runs):
        for f in prof.functions:
            key = (f.file, f.qualname)
            if key not in out:
                out[key] = ([0.0] * len(runs), [0.0] * len(runs), [0.0] * len(runs), f.line)
            s, t, m, _ = out[key]
            s[i] += f.self_time
            t[i] += f.total_time
            m[i] += f.mem_alloc_mb
            out[key] = (s, t, m, f.line)
    return out


def _denominator(runs: Sequence[Profile]) -> float:
    self_sum = _mean([sum(f.self_time for f in p.functions) for p in runs])
    return self_sum if self_sum > 0 else _mean([p.meta.wall_time for p in runs])


def _compare_functions(a: Sequence[Profile], b: Sequence[Profile], threshold: float, alpha: float) -> List[FunctionDelta]:
    fa, fb = _function_values(a), _function_values(b)
    da, db = _denominator(a) or 1.0, _denominator(b) or 1.0
    min_abs = MIN_SHARE * max(da, db)
    zeros_a, zeros_b = [0.0] * len(a), [0.0] * len(b)
    out = []
    for key in sorted(set(fa) | set(fb)):
        sa, ta, ma, la = fa.get(key, (zeros_a, zeros_a, zeros_a, None))
        sb, tb, mb, lb = fb.get(key, (zeros_b, zeros_b, zeros_b, None))
        share_a, share_b = _mean(sa) / da, _mean(sb) / db
        if max(share_a, share_b, _mean(ta) / da, _mean(tb) / db) < MIN_SHARE and max(_mean(ma), _mean(mb)) < 1.0:
            continue
        seed = _seed(key)
        out.append(FunctionDelta(
            key[0], key[1], la if key in fa else None, lb if key in fb else None,
            judge(sa, sb, threshold, alpha, min_abs, seed), judge(ta, tb, threshold, alpha, min_abs, seed),
            judge(ma, mb, threshold, alpha, 1.0, seed), share_a, share_b,
        ))
    out.sort(key=lambda d: -abs(d.total_time.delta))
    return out


def _line_values(runs: Sequence[Profile], files: set) -> Dict[Tuple[str, int], Tuple[List[float], List[float]]]:
    out: Dict[Tuple[str, int], Tuple[List[float], List[float]]] = {}
    for i, prof in enumerate(runs):
        for fp in prof.files:
            if fp.path not in files:
                continue
            for s in fp.lines:
                cpu, mem = out.setdefault((fp.path, s.line), ([0.0] * len(runs), [0.0] * len(runs)))
                cpu[i] += s.cpu
                mem[i] += s.mem_alloc_mb
    return out


def _comparable_files(a: Sequence[Profile], b: Sequence[Profile], notes: List[str]) -> set:
    """Files whose source was the same in every run (line numbers mean the same thing on both sides)."""
    hashes: Dict[str, set] = {}
    for prof in list(a) + list(b):
        for fp in prof.files:
            hashes.setdefault(fp.path, set()).add(fp.sha256)
    same = set()
    for path, shas in hashes.items():
        known = {s for s in shas if s}
        if len(known) <= 1:
            same.add(path)
        else:
            notes.append(f"lines of {path} not compared: the source changed between runs (functions still are)")
    return same


def _compare_lines(a: Sequence[Profile], b: Sequence[Profile], threshold: float, alpha: float, notes: List[str]) -> List[LineDelta]:
    files = _comparable_files(a, b, notes)
    la, lb = _line_values(a, files), _line_values(b, files)
    tot_a = _mean([p.total_cpu for p in a]) or 1.0
    tot_b = _mean([p.total_cpu for p in b]) or 1.0
    min_abs = MIN_SHARE * max(tot_a, tot_b)
    zeros_a, zeros_b = [0.0] * len(a), [0.0] * len(b)
    out = []
    for key in sorted(set(la) | set(lb)):
        ca, ma = la.get(key, (zeros_a, zeros_a))
        cb, mb = lb.get(key, (zeros_b, zeros_b))
        share_a, share_b = _mean(ca) / tot_a, _mean(cb) / tot_b
        if max(share_a, share_b) < MIN_SHARE and max(_mean(ma), _mean(mb)) < 1.0:
            continue
        seed = _seed(key)
        out.append(LineDelta(key[0], key[1], judge(ca, cb, threshold, alpha, min_abs, seed),
                             judge(ma, mb, threshold, alpha, 1.0, seed), share_a, share_b))
    out.sort(key=lambda d: -abs(d.cpu.delta))
    return out


def compare(
    a: Sequence[Profile], b: Sequence[Profile], threshold: float = DEFAULT_THRESHOLD, alpha: float = ALPHA,
    metric: str = "wall",
) -> Comparison:
    """Compare runs `a` (before, one or a repeat group) with runs `b` (after); `metric` decides `regressed`."""
    if not a or not b:
        raise ValueError("compare needs at least one run on each side")
    if metric not in ("wall", "cpu"):
        raise ValueError(f"metric is 'wall' or 'cpu', not {metric!r}")
    notes: List[str] = []
    ta, tb = _usable(a, notes, "before"), _usable(b, notes, "after")
    wall = judge([p.meta.wall_time for p in ta], [p.meta.wall_time for p in tb], threshold, alpha, seed=1)
    cpu = judge([p.meta.cpu_time for p in ta], [p.meta.cpu_time for p in tb], threshold, alpha, seed=2)
    peaks_a = [p.meta.peak_rss_mb for p in a if p.meta.peak_rss_mb is not None]
    peaks_b = [p.meta.peak_rss_mb for p in b if p.meta.peak_rss_mb is not None]
    peak = judge(peaks_a, peaks_b, threshold, alpha, min_abs=1.0, seed=3) if peaks_a and peaks_b else None
    if min(len(ta), len(tb)) < 2:
        notes.append(NOT_ENOUGH_RUNS + f"; changes below {max(threshold, SINGLE_RUN_THRESHOLD):.0%} are not judged")
    functions = _compare_functions(ta, tb, threshold, alpha)
    new = [d for d in functions if d.share_b >= HOT_SHARE and d.share_a < MIN_SHARE]
    removed = [d for d in functions if d.share_a >= HOT_SHARE and d.share_b < MIN_SHARE]
    lines = _compare_lines(ta, tb, threshold, alpha, notes)
    return Comparison(len(a), len(b), threshold, wall, cpu, peak, functions, lines, new, removed, notes, metric)
