"""One `py-spy dump` of the program (the stack it runs now), with its resident memory watched while py-spy runs.

A dump starts py-spy: ~10-30 ms, far longer on a busy machine. The memory poller used to wait for it blind, so a
block made and freed meanwhile looked like a smaller growth of the line read, its free was never one, and its peak
was lost. Stdlib only: the wrapper imports it by name, next to itself.
"""

import json
import subprocess
import time

HELPER_FILE = "<heatlens-memory>"  # the allocation-window helper's frames: never the program's line
WATCH = 0.005  # seconds between two looks at resident memory while py-spy runs (1 ms: a loaded machine
# gave the program less CPU while a stopped read lasted longer, and a block went on taking what grew after it)
TIMEOUT = 5.0  # a dump that takes longer than this reads nothing


def leaf_frames(dump, pid):
    """(thread name, frames root->leaf as [name, file, line], active) of the thread most likely allocating:
    the one holding the GIL, else an active one, else the main thread."""
    threads = [t for t in dump if isinstance(t, dict) and t.get("frames")
               and not any(f.get("filename") == HELPER_FILE for f in t["frames"])]
    if not threads:
        return None, [], False
    pick = (next((t for t in threads if t.get("owns_gil")), None)
            or next((t for t in threads if t.get("active")), None)
            or next((t for t in threads if t.get("os_thread_id") == pid), threads[0]))
    frames = [[f.get("name", ""), f.get("filename", ""), int(f.get("line") or 0)] for f in reversed(pick["frames"])]
    return pick.get("thread_name") or "", frames, bool(pick.get("active") or pick.get("owns_gil"))


class LineReader:
    """Reads the line the program runs with `py-spy dump`, and what its resident memory did meanwhile."""

    def __init__(self, pyspy, step):
        self.pyspy, self.step = pyspy, step  # a resident change this large counts (the poller's step)

    def read(self, pid, resident):
        """((thread, frames, active) as leaf_frames says, [`resident()` bytes seen while py-spy ran])."""
        nothing, seen = (None, [], False), []
        try:
            proc = subprocess.Popen([self.pyspy, "dump", "--pid", str(pid), "--nonblocking", "--json"],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            return nothing, seen
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                out = proc.communicate(timeout=WATCH)[0]  # retried after a timeout, it loses nothing of the output
                break
            except subprocess.TimeoutExpired:
                size = resident()
                if size is not None:
                    seen.append(size)
                if time.monotonic() > deadline:
                    proc.kill()
                    proc.communicate()
                    return nothing, seen
        try:
            return leaf_frames(json.loads(out or b"[]"), pid), seen
        except ValueError:
            return nothing, seen

    def swings(self, start, sizes):
        return swings(start, sizes, self.step)


def swings(start, sizes, step):
    """The rises and falls from `start` through `sizes`, [rise, -fall, rise, ...] adding up to the last size's change:
    a fall counts once it is `step` or more from the top before it, a rise once it is `step` or more from the bottom."""
    pieces, origin, extreme, falling = [], start, start, False
    for size in sizes:
        if (size < extreme) if falling else (size > extreme):
            extreme = size
        elif abs(size - extreme) >= step:
            pieces.append(extreme - origin)
            origin, extreme, falling = extreme, size, not falling
    return pieces + [(sizes[-1] if sizes else start) - origin]
