# Allocation windows, inside the profiled program (stdlib only; the py-spy wrapper hands this source to the launcher,
# which runs it before the program under the file name "<heatlens-memory>", whose frames the parser drops).
#
# Resident memory seen from outside says WHEN the program grew and by how much, not WHICH line allocated: memory made
# in small pieces between heavy computation is read on the computing line. So, while memory grows (the wrapper writes
# a byte to HEATLENS_MEMORY_FD at each rise), a helper thread has the main thread trace allocations for a few ms with
# tracemalloc and append, per window, the lines that allocated what was still alive at its end and at its middle (a
# temporary is alive at both, what a line keeps grows) to HEATLENS_MEMORY_OUT (times: time.monotonic()):
#     repr((t_start, t_end, program_cpu_seconds, [(bytes, ((file, line),)), ...], t_mid, [...] at t_mid, settled,
#           helper_bytes, share of the program's CPU after t_mid, at_rounds, [(file, line) of each frame as it began]))
# Where a loop runs in the main thread with rounds of up to `long_round`, the window begins, has its middle and ends
# as it starts a round (`at_rounds`: the same point of the program, rounds apart: pyspy_alloc_rounds.py). Else it is
# timed, and its end waits (up to `settle`) for the calls that ran in it to return: ended inside a call, it saw that
# call's temporaries alive, and they took a slow leak's growth. `settled`: True when they returned (or at a round),
# False when not in time, None when it did not wait (a module's body runs to the end; a program that traces itself).
# `helper_bytes`: how much more resident the process was at the window's end than at its start, beyond what the
# program still held from it: this helper's own memory (None without /proc). Tracing slows allocation several times
# over, so all the program's CPU during a window counts as its cost, with the helper's own, and windows are spaced to
# keep it under `share` of the program's CPU (flat memory: no windows, no cost). The program's own use of tracemalloc
# wins: no window once it traces or has imported tracemalloc; none while it runs other threads (see open_window).
import os as _os


def _heatlens_memory_windows():
    import _thread
    import _tracemalloc
    import sys
    import time

    fd, out = _os.environ.pop("HEATLENS_MEMORY_FD", None), _os.environ.pop("HEATLENS_MEMORY_OUT", None)
    if fd is None or out is None:
        return
    fd = int(fd)
    # cost budget: `burst` seconds at any time (a phase that starts growing gets its windows at once) plus `share` of
    # the CPU the program has used and `wall_share` of the time elapsed (a program that waits for a core on a busy
    # machine still gets its samples); traced seconds per window; lines kept per window
    burst, share, wall_share, window, top = 0.03, 0.03, 0.01, 0.005, 40
    spacing = 0.05  # seconds at least between two windows: spread over the growth, not all at its start
    settle = 0.03  # seconds a window waits, after its time, for the calls made in it to return
    rounds = 0.25  # seconds a window begun at a round waits for its middle and end there
    wait = 0.02  # seconds a window waits for the outermost loop's round, then any loop's (then a timed window)
    long_round = 0.03  # seconds: a round longer than this (untraced) is not waited for twice (traced, 7 times slower)
    try:
        _os.set_inheritable(fd, False)  # a program this one execs must not hold the wrapper's pipe
        sink = _os.open(out, _os.O_WRONLY | _os.O_APPEND | _os.O_CREAT | getattr(_os, "O_CLOEXEC", 0), 0o600)
    except OSError:
        return

    main = _thread.get_ident()  # the launcher runs this in the main thread

    def resident():
        """This process's resident bytes (None without /proc): opened each time, a program may close any fd."""
        try:
            statm = _os.open("/proc/self/statm", _os.O_RDONLY)
            try:
                return int(_os.read(statm, 128).split()[1]) * _os.sysconf("SC_PAGE_SIZE")
            finally:
                _os.close(statm)
        except (OSError, AttributeError, ValueError, IndexError):
            return None

    def importing():
        """The main thread is importing: module set-up, not the program's memory (no budget spent on it)."""
        frame = sys._current_frames().get(main)
        while frame is not None:
            if frame.f_code.co_filename.startswith("<frozen importlib"):
                return True
            frame = frame.f_back
        return False

    def user_traces():
        return _tracemalloc.is_tracing() or "tracemalloc" in sys.modules

    # tracemalloc is switched on and off in the MAIN thread, between two of its bytecodes (a pending call): 3.11
    # crashes when tracing stops while another thread is inside an allocation without the GIL (the main thread
    # importing, hashing, reading), so no window opens while the program has other threads. Each time this helper
    # takes the GIL, the main thread hands it over at its loop's back edge and, on a busy machine, waits there for a
    # core: the loop's last line collected those waits as time (an e2e run painted heat on it). So the helper takes
    # the GIL seldom: it only queues the calls (open, middle, close) and waits for the window's end on a lock; the
    # main thread does the window's work in them (their samples are heatlens's own: the parser drops them).
    box = {"on": False, "spent": 0.0, "dead": False, "round": None}
    tracing = []  # non-empty while a window is open
    finished = _thread.allocate_lock()  # held by the helper from a window's close until it is written
    begun = _thread.allocate_lock()  # held by the helper from a window's open until it begins
    ending = _thread.allocate_lock()  # ... until it is written, or (at rounds) waits for its calls' return

    watch, unwatch, outer_loop, program_stack = _heatlens_frame_watch(box)  # a loop's rounds: pyspy_alloc_rounds.py

    def open_window():
        if box["on"] or box["round"] is not None:
            return
        if len(sys._current_frames()) > 2:  # other threads: no window (see begin), nor a watch for a round
            return begin(False)
        frames = [(f, loop) for f in program_stack(inline=True) for loop in [outer_loop(f)] if loop]
        # (outermost first: the frame's depth) + its outermost loop running, or its next
        box["loops"] = {id(f): (depth,) + loop for depth, (f, loop) in enumerate(frames)}
        running = [d for d, _, _, running, _ in box["loops"].values() if running]
        box["top"] = min(running or [0])  # waited for first
        box["asked"], box["hits"] = time.monotonic(), {}
        # with no loop running (a phase ending), the next phase's loop may be in a function called from now on
        if watch([f for f, _ in frames], on_round, calls=not running):
            box["round"] = 0
        else:
            begin(False)

    def begin(rounds):
        if len(sys._current_frames()) > 2 or user_traces():
            box["spent"] += 0.001  # asking costs too: other threads may run for long
            return
        tracing.append(1)
        box["stack"] = [(id(f), f.f_code, f.f_lineno) for f in program_stack()]  # no frame kept alive
        box["t0"], box["cpu0"], box["rss0"], box["rounds"] = time.monotonic(), time.process_time(), resident(), rounds
        _tracemalloc.start(1)
        box["on"] = True
        if begun.locked():
            begun.release()

    def on_round(frame, line):
        """A watched frame starts a line: where that is a round of its outermost loop no longer than `long_round`,
        the window begins there (at the outermost running loop's, or any after `wait`); as that frame starts a
        round again at least half a window later, its middle; as long after that, its end (in a call made in another
        loop's rounds, once it has returned, as a timed window's)."""
        depth, first, header, _, span = box["loops"].get(id(frame), (None,) * 5)
        began = box["round"] and id(frame) == box["first"]  # returned or out of its loop: its rounds are over
        if line is None or began and not span[0] <= frame.f_lasti <= span[1]:  # (the end, after a middle: as timed)
            if began:
                middle = box["round"] == 2
                unround()
                close_window() if middle else finish_window(None)
            return
        if line != header or frame.f_lasti != first or box["round"] and id(frame) != box["first"]:
            return
        if not box["round"]:
            now, last = time.monotonic(), box["hits"].get(id(frame))
            box["hits"][id(frame)] = now
            if last is None or now - last > long_round or depth != box["top"] and now - box["asked"] < wait:
                return
            box["first"], box["round"] = id(frame), 1
            unwatch(calls=True)
            begin(True)
            if not box["on"]:  # the program has other threads now
                unround()
            return
        if time.monotonic() - (box["t0"] if box["round"] == 1 else box["mid"][0]) < window / 2:
            return
        if box["round"] == 1:
            mid_window()
            box["round"] = 2 if "mid" in box else 1
        else:  # in a call made in another loop's rounds, what its own keep may be its locals': wait for its return
            called = any(running and d < depth for d, _, _, running, _ in box["loops"].values())
            unround()
            close_window() if called else finish_window(True)

    def unround():
        unwatch()
        box["round"] = None

    def begin_now():  # no loop started a round in time: a timed window from now
        if box["round"] == 0:
            unround()
            begin(False)

    def close_window(forced=False):
        """Once the calls made during the window have returned (their locals are gone: what is still alive from
        it is held beyond them), or now if they have not within `settle` seconds: `settled` says which."""
        if box["round"] is not None:  # rounds watched: none came in time, the end is at no round
            unround()
            box.pop("mid", None)
        if not box["on"]:
            return
        if box.get("settling") or forced and box["rounds"]:
            settling = box.pop("settling", None)
            unwatch()
            return finish_window(False if settling else None)
        stack, opened = program_stack(), box.get("stack", [])
        common = 0  # the frames running since before the window opened
        while common < min(len(stack), len(opened)) and opened[common][:2] == (id(stack[common]), stack[common].f_code):
            common += 1
        # settled when what the window allocated has outlived the calls that made it, at the next line of: the
        # caller of the frame running as it opened, where that still runs; else of the frame that resumed when it
        # returned, if back on the line it was on then (a loop calling again), or of its caller
        back = common < len(opened) and stack[common - 1].f_lineno == opened[common - 1][2]
        at = common - 1 if back else common - 2
        # a module's body (the program's own, running all along) does not return before the program ends
        endless = at + 1 < len(stack) and stack[at + 1].f_code.co_name == "<module>"
        if forced or at < 0 or endless or not settle_on(stack[at]):
            finish_window(None)

    def on_settled(frame, line):
        box.pop("settling", None)
        unwatch()
        finish_window(True)

    def settle_on(frame):
        """Finish the window at the first line `frame` runs again, or as it returns (the calls above it, made in
        the window, have returned); False where this cannot be watched (the program traces or monitors)."""
        box["settling"] = watch([frame], on_settled)
        if box["settling"] and ending.locked():  # the helper: the wait for a return begins (at most `settle`)
            ending.release()
        return box["settling"]

    def finish_window(settled):
        """Stop tracing; write the lines that allocated what is still alive; count the cost: the program's CPU
        while tracing (tracing slows it) and this. Once only: a call the helper queued meanwhile (its forced close)
        runs between two bytecodes of this one's own code, and wrote the window twice, counted twice."""
        if not box["on"]:
            return
        box["on"] = False
        cpu_end, before = time.process_time(), resident()
        traces = _tracemalloc._get_traces()
        held = free_listed(traces)
        if held:  # they are this helper's now
            traces = _tracemalloc._get_traces()
        del held
        t1, cpu1 = time.monotonic(), time.process_time()
        tables = _tracemalloc.get_tracemalloc_memory()
        _tracemalloc.stop()
        tracing.clear()
        own = time.thread_time()
        t_mid, mid = box.pop("mid", (None, ()))
        mid = mid if box["rounds"] else by_line(mid)
        sites, alive = by_line(traces), sum(t[1] for t in traces if t[2] and t[2][0][0] != "<heatlens-memory>")
        copies = resident()
        del traces
        rss = resident()
        # this helper's own memory left resident: the growth beyond what the program still holds from the window,
        # up to what tracemalloc's tables and the traces' copies took (a program touching memory it reserved
        # before the window grows too, untraced: that is its own)
        helper, mid_copies = None, box.pop("mid_copies", 0)
        if None not in (before, copies, rss, box["rss0"]):
            helper = max(0, min(rss - box["rss0"] - alive, tables + max(0, copies - before) + mid_copies))
        # the share of the program's CPU in the window that ran after its middle: what a line that keeps memory
        # at a steady pace made after it (on a busy machine the halves of a window's time are not of its work)
        after, mid_cpu = None, box.pop("mid_cpu", None)
        if t_mid is not None and mid_cpu is not None:
            halves = (mid_cpu[0] - box["cpu0"], cpu_end - mid_cpu[1])
            after = round(max(0.0, halves[1]) / sum(halves), 4) if sum(halves) > 0 and min(halves) >= 0 else None
        row = (box["t0"], t1, round(cpu1 - box["cpu0"], 6), sites, t_mid, mid, settled, helper, after, box["rounds"],
               [(code.co_filename, line) for _, code, line in box.pop("stack", ())])  # where it began: its phase
        _os.write(sink, (repr(row) + "\n").encode("utf-8", "backslashreplace"))
        box["spent"] += cpu1 - box["cpu0"] + time.thread_time() - own
        for lock in (finished, ending):
            if lock.locked():
                lock.release()

    def by_line(traces):
        sites = {}
        for trace in traces:  # (domain, size, traceback, ...) on 3.9-3.13
            if trace[2] and trace[2][0][0] != "<heatlens-memory>":  # not this helper's own
                sites[trace[2]] = sites.get(trace[2], 0) + trace[1]
        return [(size, tb) for tb, size in sorted(sites.items(), key=lambda kv: -kv[1])[:top]]

    tuple_lengths = {sys.getsizeof(tuple(range(n))): n for n in range(1, 20)}  # block size -> length

    def free_listed(traces):
        """Tuples freed by the program, kept in free lists (2000 of each length < 20), taken: tracemalloc counted them
        on the line that made them in every window (now this helper's); all of each length seen for 4 KB or more."""
        amounts = {}
        for trace in traces:
            if trace[1] in tuple_lengths and trace[2] and trace[2][0][0] != "<heatlens-memory>":
                amounts[trace[1]] = amounts.get(trace[1], 0) + trace[1]
        return [tuple([None] * tuple_lengths[size]) for size, total in amounts.items() if total >= 4096
                for _ in range(2000)]

    def mid_window():
        # none where it ran right after the open (the main thread, back from C or given a core late, ran both
        # queued calls at once): it saw nothing yet, and all alive at the end would read as newer than it
        if box["on"] and time.monotonic() - box["t0"] >= window / 4:
            before, cpu = resident(), time.process_time()
            box["mid"] = (time.monotonic(), _tracemalloc._get_traces())
            box["mid_copies"] = max(0, (resident() or 0) - (before or 0))
            if box["rounds"]:  # its lines now: its copy's memory is reused by the end's (a timed window's end is
                box["mid"] = (box["mid"][0], by_line(box["mid"][1]))  # queued 2.5 ms on: this work would be its half)
            box["mid_cpu"] = (cpu, time.process_time())  # the copy's own time is neither half's

    def in_main(kind):
        try:  # a middle this late: the main thread was in a long C call, traced whole: the window ends now
            if kind == 2 and box["on"] and time.monotonic() - box["t0"] > window / 2 + long_round:
                kind = 3
            (close_window, open_window, mid_window, lambda: close_window(True), begin_now)[kind]()
        except BaseException:  # never a traceback in the program's stderr; no more windows
            box["dead"] = True
        finally:
            idle.release()
        return 0

    calls = []
    idle = _thread.allocate_lock()  # held from a call's queueing to its end: one call at a time

    def in_main_thread(kind):
        """Have the main thread run in_main(kind) between two bytecodes (blocked in C, as it comes back), once the
        last call has ended: on 3.11 a call run while the program was traced (a window watching its frames), with
        another queued meanwhile, looped for ever (tracing re-ran its first instruction, to let the next one in)."""
        idle.acquire()
        if not calls:
            import ctypes

            thunk = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
            calls.extend([ctypes.pythonapi.Py_AddPendingCall] + [thunk(lambda _, k=k: in_main(k)) for k in range(5)])
            calls[0].argtypes, calls[0].restype = [ctypes.c_void_p, ctypes.c_void_p], ctypes.c_int
        while calls[0](calls[1 + kind], None) != 0:  # the queue is full: wait
            time.sleep(0.001)

    def late_open():  # seconds left to wait for a round where the open ran late (the main thread was in C)
        with idle:  # released as the open has run
            return max(0.0, box.get("asked", 0.0) + wait + 2 * long_round - time.monotonic())

    def one_window():
        """A window in the main thread, which begins it (at a round, or timed: about `window` seconds), then ends
        and writes it (none while the last one's calls wait for a main thread blocked in C)."""
        if idle.locked():
            return
        finished.acquire(False)  # released as the window is written (waiting on a lock takes no GIL)
        begun.acquire(False)  # ... as it begins
        ending.acquire(False)
        in_main_thread(1)
        written = False
        try:
            if not begun.acquire(True, wait + 2 * long_round) and not begun.acquire(True, late_open()):
                in_main_thread(4)  # no loop started a round in time: a timed window
                if not begun.acquire(True, settle):
                    return
            if box["rounds"]:  # until it ends at a round, or begins to wait for its calls' return (as a timed one)
                written = ending.acquire(True, rounds) and finished.acquire(True, settle)
                return
            time.sleep(window / 2)
            in_main_thread(2)
            time.sleep(window / 2)
            in_main_thread(0)
            written = finished.acquire(True, settle)
        finally:  # tracing never stays on
            if written:
                finished.release()
            else:
                in_main_thread(3)

    def drain():
        try:
            _os.set_blocking(fd, False)
            while _os.read(fd, 512):
                pass
        except OSError:  # BlockingIOError: nothing more pending
            pass
        finally:
            try:
                _os.set_blocking(fd, True)
            except OSError:
                pass

    def run():
        try:
            asks()
        finally:  # parked for good, never ended: a main thread blocked in C makes the calls still queued when
            # it comes back, and their C thunks (in `calls`, freed with this thread) must outlive them; waiting
            # for the queue to empty is not enough: a thread switch inside a call's return could end this thread
            # first (freed, the program jumped into freed memory: a test)
            park = _thread.allocate_lock()
            park.acquire()
            park.acquire()

    def asks():
        last, began = 0.0, time.monotonic()
        while not box["dead"]:
            try:
                if not _os.read(fd, 512):
                    return  # the wrapper is gone
            except OSError:
                return
            over = box["spent"] - burst - share * time.process_time() - wall_share * (time.monotonic() - began)
            wait = max(min(0.1, over / (share + wall_share)), last + spacing - time.monotonic())
            if wait > 0:
                time.sleep(wait)
                drain()  # asks from before the wait are stale: only a rise after it opens the next window
                continue
            if user_traces():
                return
            if importing():
                continue
            own = time.thread_time()
            try:
                one_window()
            except Exception:  # never a traceback in the program's stderr
                return
            box["spent"] += time.thread_time() - own
            last = time.monotonic()

    def after_fork_in_child():  # the window's thread is not in the child: neither must its tracing be
        unround()  # (nothing where no frame is watched)
        if tracing:
            _tracemalloc.stop()

    if hasattr(_os, "register_at_fork"):
        _os.register_at_fork(after_in_child=after_fork_in_child)
    if sys.version_info >= (3, 12) and hasattr(_os, "fork"):
        _os.fork = quiet_fork(_os.fork)
    _thread.start_new_thread(run, ())


_heatlens_memory_windows()
del _heatlens_memory_windows
