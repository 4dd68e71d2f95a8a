"""The CPU of the program's threads that run no Python code: a library's native workers (BLAS under numpy's
matrix product, a codec's or an image library's pool). py-spy reads the threads the interpreter knows, so it
never samples these; their CPU used to be told as "not seen by the profiler (between samples)", 42 % of a numpy
program's CPU on two cores. Each such thread's CPU (its clock, read by the wrapper and the launcher) is shown as
native code in a stack of its own; which line's call started their work is not known from outside.
"""

from __future__ import annotations

from typing import Dict, Optional, Set

from heatlens.backends.pyinstrument import functions_from_stacks
from heatlens.model import FileProfile, Frame, LineStats, Profile, StackSample

FRAME = "<native thread: no Python frames>"
FILE = "<native>"  # a native pseudo-file (classify.py): its time is native code's
MIN_SECONDS = 0.005  # a thread's CPU below this is not worth a stack
PID_MAX = 1 << 22  # the kernel's largest thread id: above it, an id is a pthread id the launcher also wrote


def native_threads(cpu: Dict[int, float], sampled: Set[int], main_tid: Optional[int],
                   heatlens: Set[int]) -> Dict[int, float]:
    """{thread id: CPU seconds} of the threads that used CPU and were never sampled: not the main thread (always
    the program's Python), not heatlens's own (there before the program's first line)."""
    return {tid: seconds for tid, seconds in cpu.items()
            if tid < PID_MAX and tid != main_tid and tid not in sampled and tid not in heatlens
            and seconds >= MIN_SECONDS}


def add_native_threads(profile: Profile, threads: Dict[int, float], rate: float) -> None:
    """A stack of native code per thread, their total on the native pseudo-file's line 0, and a note."""
    if not threads:
        return
    index = len(profile.frames)
    profile.frames.append(Frame(name=FRAME, file="", line=0, native=True))
    for tid, seconds in sorted(threads.items()):
        profile.stacks.append(StackSample([index], seconds, thread=f"thread {tid}"))
    total = sum(threads.values())
    profile.files.append(FileProfile(FILE, None, [LineStats(0, cpu_native=total, samples=round(total * rate))]))
    profile.functions = functions_from_stacks(profile.frames, profile.stacks)
    profile.meta.notes.append(
        f"{len(threads)} thread(s) ran no Python code ({total:.2f} s of CPU): native workers a library started "
        "(BLAS under numpy, a codec's or an image library's pool). py-spy reads only the interpreter's threads, "
        "so their CPU is shown as native code, on no line: the line that waited for them started their work.")
