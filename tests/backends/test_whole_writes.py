"""Unbuffered standard streams whose writes are whole (backends/whole_writes.py), as the py-spy launcher
installs them in the program: what they change must not change what the program prints."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from heatlens.backends.pyspy_parse import LAUNCHER
from heatlens.backends.pyspy_wrapper import WHOLE_WRITES

WRITER = """
import signal, sys
signal.signal(signal.SIGALRM, lambda *a: None)
signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)  # interrupts writes to the full pipe, as py-spy's pauses do
for i in range(40):
    sys.stdout.write(chr(97 + i % 26) * (1 << 20))
sys.stdout.buffer.write(b"!" * (1 << 20))
signal.setitimer(signal.ITIMER_REAL, 0)
print(sys.stdout.name, sys.stdout.mode, sys.__stdout__ is sys.stdout, file=sys.stderr)
"""


def test_unbuffered_output_is_whole_when_writes_to_a_full_pipe_are_cut_short(tmp_path: Path) -> None:
    # Found when py-spy paused programs for its reads: a write to a full pipe cut short by the pause returned
    # short, and an unbuffered stream (PYTHONUNBUFFERED, heatlens's default) dropped the rest: 26 of 42 MB here
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HEATLENS_STDIO": Path(WHOLE_WRITES).read_text()}
    proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(tmp_path / "status"), "250", "script", str(script)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    time.sleep(0.5)  # the pipe fills and the program's writes block (and get interrupted)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    expected = b"".join(bytes([97 + i % 26]) * (1 << 20) for i in range(40)) + b"!" * (1 << 20)
    assert len(out) == len(expected) and out == expected
    assert err.split() == [b"<stdout>", b"w", b"True"]  # the stream looks as it did


def test_buffered_streams_are_left_as_they_are(tmp_path: Path) -> None:
    probe = "import sys; exec(open(sys.argv[1]).read(), {}); print(type(sys.stdout.buffer).__name__)"
    for unbuffered, expected in (("1", "WholeWrites"), ("", "BufferedWriter")):
        env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
        out = subprocess.run([sys.executable, "-c", probe, WHOLE_WRITES], capture_output=True, text=True, env=env)
        assert out.stdout.strip() == expected, out.stderr
