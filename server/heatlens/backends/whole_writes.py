"""Unbuffered standard streams whose writes are whole, installed in the profiled program before it runs
(stdlib only: the py-spy launcher execs this source as `<heatlens-stdio>`, whose frames the parser gives to the
program's own line).

heatlens gives programs PYTHONUNBUFFERED (their output live, nothing lost in a buffer when a run is stopped).
CPython's unbuffered text streams write straight to the file descriptor and drop whatever a short write leaves,
and a write to a full pipe comes back short when a signal, or py-spy pausing the program for a read, interrupts
it: 26 of 42 MB arrived in the test. These streams write the rest, as buffered ones do.
"""

import io
import sys


class WholeWrites(io.FileIO):
    def write(self, b):
        view, done = memoryview(b).cast("B"), 0
        while done < len(view):
            n = io.FileIO.write(self, view[done:])
            if n is None:  # a non-blocking descriptor that is full: said as FileIO says it
                return done or None
            done += n
        return done


def install():
    """Replace unbuffered sys.stdout/sys.stderr (a text layer straight over the descriptor) by the same over
    WholeWrites; buffered streams already retry."""
    for name in ("stdout", "stderr"):
        old = getattr(sys, name)
        if not isinstance(old, io.TextIOWrapper) or type(getattr(old, "buffer", None)) is not io.FileIO:
            continue
        raw = WholeWrites(old.fileno(), "w", closefd=False)
        raw.name = old.buffer.name
        new = io.TextIOWrapper(raw, encoding=old.encoding, errors=old.errors, newline="\n",
                               line_buffering=old.line_buffering, write_through=True)
        new.mode = old.mode
        if getattr(sys, "__%s__" % name) is old:
            setattr(sys, "__%s__" % name, new)
        setattr(sys, name, new)


install()
