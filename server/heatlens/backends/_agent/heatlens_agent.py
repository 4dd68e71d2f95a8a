"""heatlens' zero-install profiling agent: needs only the target interpreter's stdlib (Python 3.9-3.13).

    python -m heatlens_agent --out OUT.json [--interval 0.001] [--memory off|sampled|full] \
        ( -- script.py args | -m module args | -c code args )

Runs the target as `python script.py` (or -m / -c) would: a fresh `__main__` module, sys.argv, sys.path[0],
`__file__`, the same traceback text and exit status on errors. Writes its profile as JSON (the target may
not have msgpack): every 0.5 s atomically to OUT.json.part-<writer> (one file per writer, so none waits
for another), and at the end to OUT.json (atexit, SystemExit, uncaught exceptions, os._exit, SIGTERM), so
a crash or a kill still leaves a profile. Never writes to stdout/stderr. Child processes:
heatlens_agent_children.
How CPU, wall and memory are measured: see heatlens_agent_sampler; GC and imports: heatlens_agent_collectors.
"""

from __future__ import annotations

import atexit
import builtins
import os
import sys
import threading
import time
import types
from typing import Any, Dict, List, Optional, Tuple

import heatlens_agent_children as children
import heatlens_agent_output as output
from heatlens_agent_collectors import GcWatch, ImportTimer
from heatlens_agent_frames import frame_text
from heatlens_agent_sampler import AGENT_DIR, Sampler

USAGE = "usage: python -m heatlens_agent --out FILE [--interval S] [--memory off|sampled|full] (-- script args | -m mod args | -c code args)"
_ORIG_PYTHONPATH = "HEATLENS_AGENT_PYTHONPATH"  # the target's own PYTHONPATH ("" = unset)


class Agent:
    def __init__(self, out: str, interval: float, memory: str, target: Tuple[str, str, List[str]]) -> None:
        self.out = os.path.abspath(out)
        self.kind, self.value, self.args = target
        self.sampler = Sampler(self.out, interval, memory, self.write)
        self.builder = output.Builder(os.getcwd(), AGENT_DIR)
        self.exit_code: Optional[int] = None
        self.exception: Optional[Dict[str, Any]] = None
        self.exceptions: Dict[Tuple[str, str, int, str], int] = {}
        self.done = False
        self.finished = False
        self.sigint = False
        self.signum = 0  # a stop signal (SIGTERM) that ends the process once the final profile is written
        self.role = "main"  # "main", or how a child started: "fork" or "exec" (heatlens_agent_children)
        self.ppid = os.getppid()
        self.children_dir = os.environ.get(children.CHILD_DIR_VAR) or None
        self._real_exit = os._exit
        self.gc = GcWatch()
        self.imports = ImportTimer(AGENT_DIR)
        self.tracer: Any = None  # the exception trace hook (before 3.12, on request)
        self.term_handler: Any = None  # our SIGTERM handler, when installed (heatlens_agent_children)

    # ---- output ----------------------------------------------------------------------------------------
    def write(self, sampler: Sampler, final: bool) -> None:
        # No lock: each periodic writer (the signal handler, the wall thread) has a file of its own and the
        # final write goes to the output itself, so a writer starved of the GIL holds no other back.
        if os.getpid() != sampler.pid:
            return
        path = self.out
        if not final:
            main = threading.current_thread() is threading.main_thread()
            path = output.part_path(self.out, "main" if main else "wall")
        cpu = sum(v[0] + v[1] for v in list(sampler.cpu.values()))
        n = sum(v[2] for v in list(sampler.cpu.values()))
        notes = list(sampler.notes)
        if sampler.memory == "sampled":
            notes.append("memory: RSS-delta attribution (approximate for small objects; frees land on the line running)")
        meta = {
            "pid": sampler.pid, "python": output.python_version(), "executable": sys.executable,
            "argv": [self.value, *self.args], "kind": self.kind, "cwd": self.builder.cwd,
            "started": sampler.started, "wall": time.perf_counter() - sampler.t0,
            "cpu": time.process_time(), "memory": sampler.memory, "interval_requested": sampler.interval,
            "interval": cpu / n if n else None, "samples": n, "discarded": sampler.discarded,
            "agent_cpu": sampler.own_cpu,
            "complete": final, "exit_code": self.exit_code, "notes": notes,
            "role": self.role, "ppid": self.ppid, "name": _process_name(),
            "cmdline": list(getattr(sys, "orig_argv", None) or [sys.executable, *sys.argv]),
            "signal": "SIGTERM" if self.signum else None,
        }
        data = self.builder.build(sampler, meta)
        data["exception"] = self.exception
        data["gc"] = self.gc.data()
        data["imports"] = self.imports.data()
        data["exceptions"] = [
            [f, ln, name, typ, c] for (f, name, ln, typ), c in list(self.exceptions.items())
            if not f.startswith(AGENT_DIR + os.sep)
        ]
        output.write_atomic(path, data)

    def finish(self, exit_code: Optional[int] = None) -> None:
        if self.done or os.getpid() != self.sampler.pid:
            return
        self.done = True
        if exit_code is not None:
            self.exit_code = exit_code
        mon = getattr(sys, "monitoring", None)
        if mon is not None and self.exceptions is not None:
            try:
                mon.set_events(mon.PROFILER_ID, 0)
            except Exception:
                pass
        self.gc.remove()
        self.imports.remove()
        self.sampler.stop()
        self.write(self.sampler, True)
        self.finished = True
        if self.signum:
            children.die_by(self.signum)
        if self.sigint:
            _die_by_sigint()  # python ends by SIGINT after an uncaught ^C, once atexit is done

    def start_in_place(self) -> None:
        """Profile the interpreter this runs in (an exec'd child): it runs its own main module."""
        atexit.register(self.finish)
        os._exit = self._os_exit
        children.install(self, main=False)
        self.watch_exceptions()
        self.begin()

    def leave(self) -> None:
        """In a forked child that is not profiled: the program runs as it would without the agent."""
        self.done = self.finished = True
        if os._exit == self._os_exit:
            os._exit = self._real_exit
        self._stop_exceptions()
        self.gc.remove()
        self.imports.remove()
        self.sampler.release_signals()
        self.sampler.close_inherited()

    def _stop_exceptions(self) -> None:
        mon = getattr(sys, "monitoring", None)
        if mon is not None:
            try:
                if mon.get_tool(mon.PROFILER_ID) == "heatlens":
                    mon.set_events(mon.PROFILER_ID, 0)
                    mon.register_callback(mon.PROFILER_ID, mon.events.RAISE, None)
                    mon.free_tool_id(mon.PROFILER_ID)
            except Exception:
                pass
        elif self.tracer is not None:
            self.tracer.remove()
            self.tracer = None

    def begin(self) -> None:
        try:
            self.sampler.start()
        except OSError:  # e.g. the output folder is not writable: run the target anyway, unprofiled
            self.sampler.enabled = False
        self.gc.install()
        self.imports.install()

    def _os_exit(self, status: int) -> None:
        try:
            self.finish(status)
        finally:
            self._real_exit(status)

    # ---- exceptions (3.12+: sys.monitoring RAISE events cost nothing until something is raised) ---------
    def watch_exceptions(self) -> None:
        mon = getattr(sys, "monitoring", None)
        if mon is None:
            if os.environ.get("HEATLENS_AGENT_EXCEPTIONS") == "trace":  # opt-in trace hook: costs per call
                sys.path.insert(0, AGENT_DIR)  # the agent's folder is off sys.path by now (the target's view)
                try:
                    import heatlens_agent_exceptions as trace_exc
                finally:
                    sys.path.remove(AGENT_DIR)
                self.tracer = trace_exc.install(self.exceptions)
                self.sampler.notes.append(trace_exc.NOTE)
                return
            self.sampler.notes.append("exceptions: only the uncaught one before Python 3.12 (no sys.monitoring; "
                                      "--exceptions counts them with a trace hook)")
            return
        try:
            mon.use_tool_id(mon.PROFILER_ID, "heatlens")
        except ValueError:
            return
        counts = self.exceptions
        lines: Dict[Tuple[Any, int], int] = {}

        def on_raise(code: Any, offset: int, exc: BaseException) -> None:
            try:
                line = lines.get((code, offset))
                if line is None:
                    line = next((ln for s, e, ln in code.co_lines() if s <= offset < e and ln), 0)
                    lines[(code, offset)] = line
                key = (code.co_filename, code.co_name, line, type(exc).__name__)
                counts[key] = counts.get(key, 0) + 1
            except Exception:
                pass

        mon.register_callback(mon.PROFILER_ID, mon.events.RAISE, on_raise)
        mon.set_events(mon.PROFILER_ID, mon.events.RAISE)

    # ---- running the target ----------------------------------------------------------------------------
    def run(self) -> None:
        atexit.register(self.finish)  # registered first, so it runs after the target's own atexit handlers
        os._exit = self._os_exit
        children.install(self)
        self.watch_exceptions()
        self.begin()
        try:
            self._run_target()
        except SystemExit as exc:
            code = exc.code
            self.exit_code = code if isinstance(code, int) else (0 if code is None else 1)
            raise
        except BaseException as exc:
            self.exit_code = 1
            tb = exc.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename.startswith(AGENT_DIR):
                tb = tb.tb_next  # the traceback reads as if python had run the target itself
            where = tb
            while where is not None and where.tb_next is not None:
                where = where.tb_next
            self.exception = {
                "type": type(exc).__name__, "message": str(exc),
                "file": where.tb_frame.f_code.co_filename if where else getattr(exc, "filename", "") or "",
                "line": where.tb_lineno if where else getattr(exc, "lineno", 0) or 0,
            }
            sys.excepthook(type(exc), exc.with_traceback(tb), tb)
            self.sigint = isinstance(exc, KeyboardInterrupt)
            sys.exit(1)
        finally:
            self.sampler.main_base = -1  # the agent's frames left at the bottom are not the target's
        self.exit_code = 0
        _poll_join()

    def _main_module(self, **attrs: Any) -> types.ModuleType:
        mod = types.ModuleType("__main__")
        mod.__dict__.update(__builtins__=builtins, __spec__=None, __package__=None, **attrs)
        sys.modules["__main__"] = mod
        return mod

    def _depth(self) -> int:
        """Agent frames under the target (the caller included: the target runs right on top of it); also
        notes the outermost one and what is below it, which ends every main-thread stack of the target."""
        f, n = sys._getframe(1), 0
        while f is not None:
            if f.f_code.co_filename.startswith(AGENT_DIR + os.sep):
                n += 1
                self.sampler.main_root = frame_text(f)
            f = f.f_back
        return n

    def _run_target(self) -> None:
        if self.kind == "module":
            import runpy

            sys.argv = [self.value, *self.args]
            self._main_module()
            self.sampler.main_base = self._depth()
            runpy._run_module_as_main(self.value, alter_argv=True)
        elif self.kind == "code":
            sys.argv = ["-c", *self.args]
            sys.path[0] = ""
            import importlib.machinery

            mod = self._main_module(__loader__=importlib.machinery.BuiltinImporter)
            code = compile(self.value, "<string>", "exec", dont_inherit=True)
            self.sampler.main_base = self._depth()
            exec(code, mod.__dict__)
        else:
            self._run_script()

    def _run_script(self) -> None:
        path = os.path.abspath(self.value)
        sys.argv = [self.value, *self.args]
        if os.path.isdir(path) or not path.endswith((".py", ".pyw")) and _is_zip(path):
            import runpy

            sys.path[0] = path
            self.sampler.main_base = self._depth()
            runpy.run_path(path, run_name="__main__")
            return
        import io
        import importlib.machinery

        try:
            with io.open_code(path) as f:
                source = f.read()
        except OSError as exc:
            prog = (getattr(sys, "orig_argv", None) or [sys.executable])[0]
            sys.stderr.write("%s: can't open file %r: [Errno %d] %s\n" % (prog, path, exc.errno, exc.strerror))
            self.exit_code = 2
            raise SystemExit(2)
        sys.path[0] = os.path.dirname(os.path.realpath(path))
        mod = self._main_module(
            __file__=path, __cached__=None, __loader__=importlib.machinery.SourceFileLoader("__main__", path)
        )
        code = compile(source, path, "exec", dont_inherit=True)
        self.sampler.main_base = self._depth()
        exec(code, mod.__dict__)


def _is_zip(path: str) -> bool:
    import zipfile

    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def _poll_join() -> None:
    """Wait for non-daemon threads as the interpreter would, but in short slices: a blocking join would
    keep the main thread from running the sampler's signal handler."""
    main = threading.main_thread()
    while True:
        pending = [t for t in threading.enumerate() if t is not main and not t.daemon and t.is_alive()]
        if not pending:
            return
        pending[0].join(0.05)


def _process_name() -> str:
    """multiprocessing's name for this process ("SpawnPoolWorker-1"), when it is loaded."""
    mp = sys.modules.get("multiprocessing.process")
    return str(getattr(getattr(mp, "_current_process", None), "name", "") or "")


def _die_by_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGINT)


def parse_args(argv: List[str]) -> Tuple[Dict[str, str], Tuple[str, str, List[str]]]:
    opts = {"--out": "", "--interval": "0.001", "--memory": "sampled"}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in opts and i + 1 < len(argv):
            opts[a] = argv[i + 1]
            i += 2
        elif a == "--":
            i += 1
            break
        elif a in ("-m", "-c"):
            break
        else:
            raise ValueError("unknown option %r" % a)
    rest = argv[i:]
    if not opts["--out"] or opts["--memory"] not in ("off", "sampled", "full"):
        raise ValueError("--out is required and --memory is one of off, sampled, full")
    if rest[:1] == ["-m"] and len(rest) >= 2:
        return opts, ("module", rest[1], rest[2:])
    if rest[:1] == ["-c"] and len(rest) >= 2:
        return opts, ("code", rest[1], rest[2:])
    if rest and rest[0] not in ("-m", "-c"):
        return opts, ("script", rest[0], rest[1:])
    raise ValueError("no target given")


def _restore_environment() -> None:
    """Take the agent back off the path: the target sees its own sys.path and PYTHONPATH."""
    orig = os.environ.pop(_ORIG_PYTHONPATH, None)
    if orig is not None:
        if not orig:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = orig
    if os.environ.get(children.CHILD_DIR_VAR):  # the target's Python children start an agent of their own
        user = os.environ.get("PYTHONPATH", "")
        os.environ["PYTHONPATH"] = children.SITE_DIR + (os.pathsep + user if user else "")
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != AGENT_DIR]
    if not sys.path or sys.path[0] != os.getcwd():
        sys.path.insert(0, os.getcwd())  # python -m puts the cwd first; -c and scripts replace it


def main(argv: Optional[List[str]] = None) -> None:
    try:
        opts, target = parse_args(sys.argv[1:] if argv is None else argv)
        interval = float(opts["--interval"])
    except ValueError as exc:
        sys.stderr.write("heatlens_agent: %s\n%s\n" % (exc, USAGE))
        raise SystemExit(2)
    _restore_environment()
    Agent(opts["--out"], interval, opts["--memory"], target).run()


if __name__ == "__main__":
    main()
