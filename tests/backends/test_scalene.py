"""Scalene adapter: recorded JSON (lines, memory, stacks), real runs (CPU only, memory on), ground truth."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from heatlens.backends import scalene
from heatlens.backends.base import BackendOptions, BackendOutputError, Target, UnsupportedTarget
from heatlens.model import FailureKind, RunMeta

FIXTURE = Path(__file__).parents[1] / "fixtures" / "backends" / "scalene"
ELAPSED = 1.5629265308380127  # the fixture's elapsed_time_sec


import heatlens_backend_harness as H  # noqa: E402  (registered by conftest.py)


def test_recorded_output_lines_and_memory() -> None:
    profile = scalene.ScaleneBackend().read(FIXTURE, RunMeta(cwd="/project"))
    assert [f.path for f in profile.files] == ["/project/tiny.py"]
    lines = profile.files[0].by_line()
    assert sorted(lines) == [16, 17, 23, 34]  # lines without data are dropped
    s17 = lines[17]
    assert s17.cpu_python == pytest.approx(14.567586966129346 / 100 * ELAPSED)
    assert s17.cpu_native == pytest.approx(8.751843151143031 / 100 * ELAPSED)
    assert s17.cpu_system == pytest.approx(4.3973987000944454 / 100 * ELAPSED)
    assert s17.samples == 361 and lines[16] == attrs.evolve(s17, line=16)  # Scalene spreads a loop's samples
    assert (lines[23].cpu_python, lines[23].samples) == (0.0, 5)
    assert lines[34].mem_alloc_mb == pytest.approx(29.856184005737305) and lines[34].mem_peak_mb == pytest.approx(
        29.856184005737305
    )
    assert lines[34].gpu_share is None  # no GPU in this run: unknown, not zero
    assert profile.total_cpu == pytest.approx(ELAPSED)  # the percentages sum to 100 % of the run
    assert scalene.MEMORY_NOTE in profile.meta.notes and profile.extras["scalene"]["max_footprint_mb"] == pytest.approx(
        30.856351852416992
    )


def test_recorded_output_functions_come_from_stacks() -> None:
    profile = scalene.ScaleneBackend().read(FIXTURE, RunMeta(cwd="/project"))
    fns = {f.qualname: f for f in profile.functions}
    # first lines: Scalene's function table (co_firstlineno: square_sum's decorator line), else the
    # smallest line sampled, and 1 for a module
    lines = {n: f.line for n, f in fns.items()}
    assert lines == {
        "<module>": 1,
        "main": 32,
        "deco.<locals>.wrapper": 9,
        "square_sum": 13,
        "Worker.step": 22,
        "main.<locals>.<listcomp>": 34,
    }
    # Scalene's own per-function summary counted half of square_sum's two-line loop; the stacks agree
    # with the line sums
    assert fns["square_sum"].self_time == pytest.approx(0.5543365763473365 * ELAPSED)
    by_line = profile.files[0].by_line()
    assert fns["square_sum"].self_time == pytest.approx(by_line[16].cpu + by_line[17].cpu, rel=1e-6)
    assert fns["main"].total_time == pytest.approx(ELAPSED) and fns["main"].mem_alloc_mb == pytest.approx(
        29.856184005737305
    )
    assert fns["Worker.step"].callers == {"/project/tiny.py:32:main": pytest.approx(0.1135126637234833 * ELAPSED)}
    assert sorted(s.leaf_line for s in profile.stacks) == [17, 23, 34]


def test_gpu_fields_when_present() -> None:
    entry = {
        "lineno": 7,
        "n_cpu_percent_python": 10.0,
        "n_gpu_percent": 42.0,
        "n_gpu_peak_memory_mb": 512.0,
        "cpu_samples_list": [1.0, 2.0],
    }
    stats = scalene.line_stats(entry, elapsed=2.0, gpu=True)
    assert (stats.cpu_python, stats.gpu_share, stats.gpu_mem_mb, stats.samples) == (
        pytest.approx(0.2),
        pytest.approx(0.42),
        512.0,
        2,
    )
    assert scalene.line_stats(entry, elapsed=2.0, gpu=False).gpu_share is None


def test_frame_names() -> None:
    assert scalene.parse_frame("/a b/prog.py Worker.step:23;") == ("/a b/prog.py", "Worker.step", 23)


def test_empty_and_missing_output(tmp_path: Path) -> None:
    with pytest.raises(BackendOutputError):
        scalene.ScaleneBackend().read(tmp_path, RunMeta())
    (tmp_path / scalene.OUTPUT).write_text("{}")  # what Scalene writes after a very short run
    with pytest.raises(BackendOutputError, match="too briefly"):
        scalene.ScaleneBackend().read(tmp_path, RunMeta())


def test_command_lines(tmp_path: Path) -> None:
    backend, out = scalene.ScaleneBackend(), str(tmp_path / scalene.OUTPUT)
    argv = backend.command(
        Target("script", "/p/x.py", args=["--cpu-only", "y"]), "/py", tmp_path, BackendOptions(memory="off")
    )
    assert argv == [
        "/py",
        "-m",
        "scalene",
        "run",
        "-o",
        out,
        "--cpu-only",
        "--cpu-sampling-rate",
        "0.001",
        "/p/x.py",
        "---",
        "--cpu-only",
        "y",
    ]
    with_memory = backend.command(Target("module", "pkg"), "/py", tmp_path, BackendOptions())
    assert "--cpu-only" not in with_memory and with_memory[-3:] == ["-m", "pkg", "---"]
    with pytest.raises(UnsupportedTarget):
        backend.command(Target("code", "pass"), "/py", tmp_path, BackendOptions())


def _tiny_total(n: int) -> int:
    return 5 * sum(i * i for i in range(n)) + 5 * sum(range(n))


def test_real_run_cpu_only_passes_the_programs_args(tmp_path: Path) -> None:
    run = H.run(scalene.ScaleneBackend(), H.tiny_target(400_000, tmp_path), BackendOptions(memory="off"))
    assert run.failure.kind is FailureKind.OK, run.failure
    assert run.stdout.split()[:2] == [str(_tiny_total(400_000)), "400000"]  # args reached the program
    script = str(tmp_path / "tiny.py")
    lines = run.profile.file(script).by_line()
    assert lines[17].cpu > 0 and lines[17].mem_alloc_mb == 0.0  # memory off: nothing measured
    fns = {f.qualname: f for f in run.profile.functions}
    assert (fns["square_sum"].file, fns["square_sum"].line) == (script, 13)
    assert scalene.MEMORY_NOTE not in run.profile.meta.notes


@pytest.mark.slow
def test_real_run_with_memory_attributes_the_allocation(tmp_path: Path) -> None:
    run = H.run(scalene.ScaleneBackend(), H.tiny_target(1_000_000, tmp_path), BackendOptions(memory="sampled"))
    assert run.failure.kind is FailureKind.OK, run.failure
    lines = run.profile.file(str(tmp_path / "tiny.py")).by_line()
    assert lines[34].mem_alloc_mb > 10  # the kept list of ~1 M floats (~32 MB)
    assert sum(s.mem_alloc_mb for n, s in lines.items() if n != 34) < lines[34].mem_alloc_mb


@pytest.mark.slow
def test_ground_truth_lines_and_functions() -> None:
    run = H.run(scalene.ScaleneBackend(), H.gt_target(), BackendOptions(memory="off"))
    assert run.failure.kind is FailureKind.OK, run.failure
    truth = H.ground_truth(run.stdout)
    gt_file = str(H.GT_CPU_THREE)
    fn_err = H.errors_pp(H.function_shares(run.profile, gt_file), truth)
    H.report("scalene", "function", fn_err)
    # Measured here (20 runs, 2 shared cores at load 1-8, 1 ms sampling): mean ~5, max 19 pp, growing with
    # the load. Scalene handles its signals only at the interpreter's check points and under-samples
    # func_a's call-free loop: that time shows up as "native" time on func_b's loop header (with
    # --use-virtual-time too: up to 11 pp). So the bound only catches a function losing all of its time
    # when its share is above 25 % (func_b, often func_c); the line check below catches mis-mapped lines.
    assert all(abs(e) <= 25 for e in fn_err.values()), fn_err
    # lines: the time lands on the three loops (header + body, which Scalene spreads evenly), and what Scalene
    # misses of func_a on the line that called it (its check point: `calibrate`'s line 31 took 9.6 % beside two busy
    # loops, 11 % in a full run of the suite, where `>= 0.9` on the loops alone failed): nowhere else. A mis-mapped
    # line (off by one) would take a third or more away
    loops = {"func_a": (8, 9), "func_b": (13, 14, 15, 16), "func_c": (20, 21, 22)}
    shares = H.line_shares(run.profile, gt_file, loops)
    calls = H.line_shares(run.profile, gt_file, {"calls": (26, 31)})["calls"]
    assert sum(shares.values()) >= 0.8 and sum(shares.values()) + calls >= 0.97, (shares, calls)
    line_err = H.errors_pp(shares, truth)
    H.report("scalene", "loop lines", line_err)
    assert all(abs(e) <= 25 for e in line_err.values()), line_err
