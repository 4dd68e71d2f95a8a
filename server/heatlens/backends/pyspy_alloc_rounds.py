# The main thread's frames watched for a loop's rounds, for the allocation windows (stdlib only; the py-spy wrapper
# puts this source before pyspy_alloc_windows.py's, which calls _heatlens_frame_watch once).
#
# A window compares what is alive at its middle and at its end: a loop's temporaries (a sorted copy remade each
# round) come and go, what a line keeps grows. Timed, the two points fall anywhere in a round: where a round takes
# longer than a window (a sort of 26 k items, 50 ms under tracing), a copy made between them read as kept, and its
# line took a leak's memory (benchmarks/MEMORY.md, session 21). At a loop's rounds, they are the same point of the
# program, rounds apart.


def _heatlens_frame_watch(box):
    """(watch, unwatch, outer_loop, program_stack) for the main thread's frames; `box`: the helper's state
    ("watch": what is watched, "dead": an error ended the windows, "loops": the frames watched for rounds, by id:
    (depth, round's offset, its line, running, (lowest, last offset)), "spent": the windows' cost in CPU seconds)."""
    import sys
    import time

    loops = {}  # code -> [(lowest offset, last backward jump's offset, where a round starts, its line)] of its loops

    def spans(code):
        """Its loops, from the backward jumps: those to one target, or whose spans cross (a `while` loop's `continue`
        may jump to its test, its end to its body), are one loop, whose last jump lands where a round starts."""
        import dis

        starts = [(off, line) for off, line in dis.findlinestarts(code) if line is not None]
        jumps, found = set(dis.hasjrel + dis.hasjabs), []  # [lowest, last, round's start]
        for target, jump in sorted((ins.argval, ins.offset) for ins in dis.get_instructions(code)
                                   if ins.opcode in jumps and isinstance(ins.argval, int) and ins.argval < ins.offset):
            loop = next((lp for lp in found if lp[0] <= target <= lp[1] and (target == lp[0] or jump > lp[1])), None)
            if loop is None:
                found.append([target, jump, target])
            elif jump > loop[1]:
                loop[1], loop[2] = jump, target
        return [(low, last, at, max((s for s in starts if s[0] <= at), default=(0, 0))[1]) for low, last, at in found]

    def outer_loop(f):
        """(offset, line, running, (lowest, last offset)) where the outermost loop running in frame `f` starts a round
        (where its last backward jump lands), or else the next loop in its code (about to run: not running); None
        where none is left."""
        if f.f_code not in loops:
            loops[f.f_code] = spans(f.f_code)
        inside = [(at, line, True, (low, last)) for low, last, at, line in loops[f.f_code] if low <= f.f_lasti <= last]
        ahead = [(at, line, False, (low, last)) for low, last, at, line in loops[f.f_code] if low > f.f_lasti]
        return min(inside or ahead or [None], key=lambda loop: loop and loop[3][0])

    inline_names = {"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"}  # what they make is their caller's

    def program_stack(inline=False):
        """The main thread's frames, outermost first, without the helper's own (or comprehensions')."""
        frames, f = [], sys._getframe()
        while f is not None:
            if f.f_code.co_filename != "<heatlens-memory>" and (inline or f.f_code.co_name not in inline_names):
                frames.append(f)
            f = f.f_back
        return frames[::-1]

    def watch(frames, on_event, calls=False):
        """Have the main thread call on_event(frame, line; None as it returns) as one of `frames` starts a line
        or returns (an error ends the windows); False where this cannot be watched (the program traces or
        monitors). With `calls`, each frame with a loop the main thread calls from now on (until
        unwatch(calls=True); not comprehensions') is watched too, deeper than all. No frame is kept: one that has
        returned would keep its locals alive."""
        want = {id(f): f.f_code for f in frames}
        if calls:  # a hook on each call costs the program: all its CPU meanwhile counts as the windows'
            box["calls_since"] = time.process_time()

        def offered(f):
            try:
                own = f.f_code.co_name in inline_names or f.f_code.co_filename == "<heatlens-memory>"
                loop = None if own else outer_loop(f)  # (every call meets this while calls are watched)
                if loop:
                    want[id(f)] = f.f_code
                    box["loops"][id(f)] = (len(box["loops"]),) + loop
                    return True
            except BaseException:
                box["dead"] = True
                unwatch()
            return False

        def seen(f, line):
            try:
                if want.get(id(f)) is f.f_code:
                    on_event(f, line)
            except BaseException:  # never in the program's own code: no more windows
                box["dead"] = True
                unwatch()

        mon = getattr(sys, "monitoring", None)
        if mon is None:  # 3.9-3.11: line events reach frame.f_trace while the thread traces; new calls are not
            if sys.gettrace() is not None:
                return False

            def on_line(f, event, arg):
                if box.get("watch") is not on_line:  # left on the frame by a watch that is over
                    f.f_trace = None
                    return None
                if event in ("line", "return"):
                    seen(f, f.f_lineno if event == "line" else None)
                return f.f_trace  # itself, or a watch's begun in seen() (what this returns replaces it)

            def on_call(f, event, arg):  # a new frame's "call": its own trace function, or none
                return on_line if offered(f) else None

            for f in frames:
                f.f_trace = on_line
            box["watch"] = on_line
            box["tracer"] = on_call if calls else no_trace
            sys.settrace(box["tracer"])
            return True
        tool = next((i for i in (4, 3) if mon.get_tool(i) is None), None)  # 3.12+: these codes' events only
        if tool is None:
            return False
        mon.use_tool_id(tool, "heatlens-memory")
        E, codes = mon.events, set(want.values())
        mon.register_callback(tool, E.LINE, lambda code, line: seen(sys._getframe(1), line))
        mon.register_callback(tool, E.PY_RETURN, lambda *_: seen(sys._getframe(1), None))
        box["watch"] = (tool, codes)
        for code in codes:
            mon.set_local_events(tool, code, E.LINE | E.PY_RETURN)
        if calls:  # every thread's calls: a window opens only while the main thread runs alone

            def started(code, offset):
                if offered(sys._getframe(1)) and code not in codes:
                    codes.add(code)
                    mon.set_local_events(tool, code, E.LINE | E.PY_RETURN)

            mon.register_callback(tool, E.PY_START, started)
            mon.set_events(tool, E.PY_START)
        return True

    def no_trace(frame, event, arg):  # new calls are not watched
        return None

    def unwatch(calls=False):
        """Watch nothing more; with `calls`, only no more new frames (those watched stay watched)."""
        watched = box.get("watch") if calls else box.pop("watch", None)
        since = box.pop("calls_since", None)
        if since is not None:
            box["spent"] = box.get("spent", 0.0) + time.process_time() - since
        if isinstance(watched, tuple):
            mon, (tool, codes) = sys.monitoring, watched
            mon.set_events(tool, 0)
            mon.register_callback(tool, mon.events.PY_START, None)
            if calls:
                return
            for code in codes:
                mon.set_local_events(tool, code, 0)
            for event in (mon.events.LINE, mon.events.PY_RETURN):
                mon.register_callback(tool, event, None)
            mon.free_tool_id(tool)
        elif watched is not None and sys.gettrace() in (no_trace, box.get("tracer")):
            sys.settrace(no_trace if calls else None)

    return watch, unwatch, outer_loop, program_stack
