"""benchmarks/peak_memory.py: the program's own peak, read in its own process under each tool, and the ratios
over its peak alone (the runs themselves take minutes: `python -m benchmarks.peak_memory --reps 1`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from benchmarks.peak_memory import render, tools

FIFTY = "x = bytearray(50 << 20)\nfor i in range(0, len(x), 4096):\n    x[i] = 1\nprint('done')\n"


def test_render_divides_each_tools_median_peak_by_the_programs_own() -> None:
    table = {"a": {"none": [100.0, 110.0, 105.0], "heatlens (default)": [110.0, 120.0, 115.5], "memray run": []},
             "b": {"none": [50.0], "heatlens (default)": [55.0], "memray run": [100.0]}}
    text = render(table)
    assert "| a | 105.0 | 1.10× (+10.5) | failed |" in text
    assert "| b | 50.0 | 1.10× (+5.0) | 2.00× (+50.0) |" in text
    assert "| **geomean** | | **1.100×** | **2.000×** |" in text  # a failed run is left out
    assert "Worst program: heatlens (default) 1.10×, memray run 2.00×." in text


@pytest.mark.slow
@pytest.mark.parametrize("tool", ["none", "heatlens (default)"])
def test_the_wrapper_reads_the_programs_own_peak_in_its_process(tool: str, tmp_path: Path) -> None:
    program = tmp_path / "fifty.py"
    program.write_text(FIFTY)
    env = dict(os.environ, HEATLENS_BENCH_PEAK_OUT=str(tmp_path / "peak.txt"))
    ballast = bytearray(150 << 20)  # the spawning process's own peak must not be read as the program's
    ballast[::4096] = b"x" * len(range(0, len(ballast), 4096))
    proc = subprocess.run(tools()[tool]([str(program)], tmp_path), cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    peak_mb = int((tmp_path / "peak.txt").read_text()) / 1024
    # 50 MB touched, plus the interpreter's own (~10 MB); not the profiler's other processes (py-spy, the runner),
    # nor the process that started it (ru_maxrss read this test's own ~440 MB in a full run)
    assert 50 < peak_mb < 75, peak_mb
    del ballast
