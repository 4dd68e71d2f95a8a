import os, runpy, sys; _m = os.environ.pop("HEATLENS_MEMORY_HELPER", ""); exec(_m and compile(_m, "<heatlens-memory>", "exec"), {}); _s = os.environ.pop("HEATLENS_STDIO", ""); exec(_s and compile(_s, "<heatlens-stdio>", "exec"), {})
_st, _rate, _kind, _value = sys.argv[1:5]; _pid = os.getpid()
def _status(code):
    if os.getpid() != _pid:
        return  # a child the program forked, ending its copy of this script: the status is the program's
    ended = ""  # the program's CPU seconds, its resident bytes, its children's CPU seconds, its threads' (tid:s,...)
    if code >= 0:  # the program's own CPU, children included: the runner's total also holds the sampler's
        import time
        try:  # the children it waited for, theirs included
            import resource
            children = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])
        except ImportError:
            children = sum(os.times()[2:4])
        ended = " %.6f" % (time.process_time() + children)
        try:  # resident bytes as the program ends: what it freed up to here was its own (teardown's frees are not)
            with open("/proc/self/statm") as f:
                ended += " %d %.6f" % (int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"), children)
        except (OSError, ValueError, IndexError):
            ended += " - %.6f" % children
        ended += " " + (_thread_cpu() or "-") + _span_since_go()
    with open(_st, "w") as f:
        f.write("%d %d %s%s\n" % (os.getpid(), code, _rate, ended))
def _thread_cpu():
    """Each live thread's CPU seconds, by its system id (this, the main thread's, since the program's first line):
    py-spy sees threads in a wait run (pyspy_parse.py)."""
    import time, _thread
    main = _thread.get_ident()
    found = ["%d:%.6f" % (i, time.thread_time() - (_go[0][3] if _go else 0.0)) for i in {os.getpid(), main}]
    threading = sys.modules.get("threading")
    for t in threading.enumerate()[:256] if threading else []:
        try:  # py-spy names a thread by its system id, or (3.9, 3.10 read unpaused) by its pthread id
            if t.ident == main:
                continue
            found += ["%d:%.6f" % (i, time.clock_gettime(time.pthread_getcpuclockid(t.ident))) for i in {t.native_id, t.ident}]
        except (AttributeError, OSError, TypeError, ValueError):
            pass  # ended meanwhile, no id yet, or no thread clocks here (macOS)
    return ",".join(found)
def _clocks(go=False):
    """(monotonic s, this process's CPU s, the main thread's wait for a core in s or None: Linux schedstat, the
    main thread's CPU s, at the go the ids of the process's other threads: heatlens's): in the main thread."""
    import time
    try:
        with open("/proc/self/schedstat") as f:
            queued = int(f.read().split()[1]) / 1e9
        others = go and ",".join(t for t in os.listdir("/proc/self/task") if int(t) != os.getpid()) or "-"
    except (OSError, ValueError, IndexError):
        queued, others = None, "-"
    return time.monotonic(), time.process_time(), queued, time.thread_time(), others
def _span_since_go():
    """The CPU before the go (start-up: heatlens's), the program's wall since it ("-" while a thread the interpreter
    waits for still runs: the program goes on past this point), its main thread's wait for a core, and the threads
    there before the go (heatlens's own)."""
    if not _go:
        return ""
    threading = sys.modules.get("threading")
    (t0, c0, q0, _, own), (t, _, q, _, _) = _go[0], _clocks()
    if threading and any(not th.daemon for th in threading.enumerate() if th is not threading.main_thread()):
        return " %.6f - - %s" % (c0, own)
    return " %.6f %.6f %s %s" % (c0, t - t0, "-" if q is None or q0 is None else "%.6f" % (q - q0), own)
def _setup():
    tracer = os.environ.pop("HEATLENS_TRACER_PID", None)
    if tracer:  # Yama: the sampler heatlens started next to this process may read it
        import ctypes
        ctypes.CDLL(None).prctl(0x59616D61, int(tracer), 0, 0, 0)
    if _kind == "script" and not _value.endswith(".py"):  # run_path imports it (typing, re, enum: ~2 MB) before
        import pkgutil  # the program (a directory, a zip): not the program's growth
    waiting, go = os.environ.pop("HEATLENS_WAITING_FD", None), os.environ.pop("HEATLENS_GO_FD", None)
    if waiting:  # the sampler reads memory from here on: what the program grows is after this point
        os.write(int(waiting), b"w")
        os.close(int(waiting))
    if go:  # wait until the sampler reads this process, so that the program's first lines are sampled too
        os.read(int(go), 1)
        os.close(int(go))
def _script(path):
    """The program's code and a fresh __main__ for it, as runpy makes them for run_path, to run right under this module:
    py-spy reads every frame at each pause (~16 us a frame here) and run_path adds three. (None, None) for what
    only runpy runs (a directory or zip with __main__.py, compiled code) or cannot compile: runpy says why."""
    import io
    try:
        with io.open_code(path) as f:
            code = compile(f.read(), path, "exec", dont_inherit=True)
    except (OSError, ValueError, SyntaxError):
        return None, None
    main = type(sys)("__main__")
    main.__dict__.update(__file__=path, __cached__=None, __doc__=None, __loader__=None, __package__="", __spec__=None)
    globals()["_launcher"], sys.modules["__main__"] = sys.modules.get("__main__"), main  # this one lives on
    return code, main.__dict__
_go = []
_setup()
del _setup
_go.append(_clocks(go=True))
_status(-1)
try:
    if _kind == "script":
        sys.argv = [_value] + sys.argv[5:]
        sys.path[0] = os.path.dirname(os.path.abspath(_value))
        _c, _g = _script(_value)  # its globals live on to the end, as under `python prog.py`
        if _c is None:
            _g = runpy.run_path(_value, run_name="__main__")
        else:
            exec(_c, _g)
    elif _kind == "module":
        sys.argv = [_value] + sys.argv[5:]
        sys.path[0] = os.getcwd()
        _g = runpy.run_module(_value, run_name="__main__", alter_sys=True)
    else:
        sys.argv = ["-c"] + sys.argv[5:]
        _g = {"__name__": "__main__", "__builtins__": __builtins__}
        exec(compile(_value, "<string>", "exec"), _g)
except SystemExit as e:
    _status(0 if e.code is None else e.code if isinstance(e.code, int) else 1)
    raise
except BaseException:
    _status(1)
    raise
else:
    _status(0)
