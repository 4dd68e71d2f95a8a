"""heatlens' argument probe (stdlib only): how often chosen functions see the same arguments again.

    python heatlens_probe_args.py --out OUT.json --watch FILE:LINE:QUALNAME [--watch ...] -- script.py args
    python heatlens_probe_args.py --out OUT.json --watch ... -- -m module args

Runs the target as `python script.py` would and records, per watched function (matched by its code
object: file and first line, or file and qualified name): calls, distinct argument tuples (keyed by a
hash of the repr of the bound arguments), calls whose arguments are unhashable or cannot be repr'd
("unknown"), the most repeated argument tuples, and whether a repeated argument tuple always gave the
same result repr (evidence that caching would not change behaviour). Only the watched code pays:
Python >= 3.12 uses sys.monitoring with local events on those code objects (a global PY_START that
disables itself at every other code location finds functions of other files); 3.11 uses sys.setprofile
and returns at once for every other code object.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import weakref

MAX_KEYS = 200000  # distinct argument tuples remembered per function; beyond, counted as new
REPR_LIMIT = 4096  # longer reprs are hashed but the shown text is cut
SHOWN = 60
_CO_GEN = 0x20 | 0x100 | 0x200  # generator, coroutine, async generator
_MUTABLE = (list, dict, set, bytearray)


class Identities:
    """Stable names for arguments compared by identity (default __eq__/__hash__): their repr shows an address
    that a later object may reuse, so two different objects would look like one repeated argument. Each live
    object gets a serial; a weakref forgets it when the object dies (no reference kept: lifetimes unchanged)."""

    def __init__(self):
        self.serial = {}  # id -> (serial, weakref)
        self.next = 0

    def name(self, value):
        kind = type(value)
        if kind.__hash__ is not object.__hash__ or kind.__eq__ is not object.__eq__:
            return None
        slot = self.serial.get(id(value))
        if slot is not None and slot[1]() is value:
            return slot[0]
        self.next += 1
        try:
            ref = weakref.ref(value, lambda _r, i=id(value), n=self.next: self._forget(i, n))
        except TypeError:  # no weakref slot: cannot tell it from a later object at the same address
            return "%s#%d" % (kind.__qualname__, self.next)
        self.serial[id(value)] = ("%s#%d" % (kind.__qualname__, self.next), ref)
        return self.serial[id(value)][0]

    def _forget(self, ident, n):
        slot = self.serial.get(ident)
        if slot is not None and slot[0].endswith("#%d" % n):
            del self.serial[ident]

    def key_text(self, values):
        """repr of the argument tuple with identity-compared objects replaced by their serial names."""
        names = [self.name(v) for v in values]
        if not any(names):
            return repr(values)
        return repr(tuple(_Named(n) if n else v for v, n in zip(values, names)))


class _Named:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "<%s>" % self.name  # unquoted: no string argument can look the same


IDENTITIES = Identities()


class Stats:
    def __init__(self, watch):
        self.watch = watch
        self.calls = 0
        self.unknown = 0  # arguments whose repr failed
        self.unhashable = 0
        self.raised = 0
        self.mutable_results = 0
        self.keys = {}  # key -> [count, result digest or None, shown repr]
        self.overflow = 0
        self.consistent = 0  # repeated calls whose result matched the first one's
        self.inconsistent = 0
        self.examples = []  # (args, first result, other result) for the first mismatches

    def enter(self, values):
        self.calls += 1
        try:
            hash(values)
        except TypeError:
            self.unhashable += 1
        try:
            text = IDENTITIES.key_text(values)
        except Exception:
            self.unknown += 1
            return None
        key = hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()
        slot = self.keys.get(key)
        if slot is None:
            if len(self.keys) >= MAX_KEYS:
                self.overflow += 1
                return None
            slot = self.keys[key] = [0, None, text[:SHOWN]]
        slot[0] += 1
        return slot

    def leave(self, slot, result):
        if isinstance(result, _MUTABLE):
            self.mutable_results += 1
        if slot is None:
            return
        try:
            text = repr(result)
        except Exception:
            text = "<unrepresentable %s>" % type(result).__name__
        digest = hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()
        if slot[1] is None:
            slot[1] = digest
            slot.append(text[:SHOWN])
        elif slot[1] == digest:
            self.consistent += 1
        else:
            self.inconsistent += 1
            if len(self.examples) < 3:
                self.examples.append([slot[2], slot[3] if len(slot) > 3 else "?", text[:SHOWN]])

    def to_json(self):
        path, line, qual = self.watch
        top = sorted(self.keys.values(), key=lambda s: -s[0])[:5]
        return {
            "file": path, "line": line, "qualname": qual, "calls": self.calls,
            "distinct": len(self.keys) + self.overflow + self.unknown, "unknown": self.unknown,
            "unhashable": self.unhashable, "raised": self.raised, "mutable_results": self.mutable_results,
            "consistent": self.consistent, "inconsistent": self.inconsistent, "overflow": self.overflow,
            "top": [[s[2], s[0]] for s in top], "mismatches": self.examples,
        }


def _real(path):
    return os.path.normcase(os.path.realpath(path))


class Probe:
    def __init__(self, watches):
        self.watches = watches  # [(file, line, qualname)]
        self.files = {_real(w[0]) for w in watches}
        self.by_code = {}  # code -> Stats
        self.seen = set()  # code objects already judged not watched
        self.stats = [Stats(w) for w in watches]
        self.stack = threading.local()

    def match(self, code):
        if code in self.by_code:
            return self.by_code[code]
        if code in self.seen:
            return None
        self.seen.add(code)
        if code.co_flags & _CO_GEN or code.co_name.startswith("<") or _real(code.co_filename) not in self.files:
            return None
        qual = getattr(code, "co_qualname", code.co_name)
        for st in self.stats:
            path, line, want = st.watch
            if _real(path) == _real(code.co_filename) and (code.co_firstlineno == line or (want and want == qual)):
                self.by_code[code] = st
                return st
        return None

    @staticmethod
    def arguments(frame):
        code = frame.f_code
        n = code.co_argcount + code.co_kwonlyargcount
        star, kw = bool(code.co_flags & 0x04), bool(code.co_flags & 0x08)
        loc = frame.f_locals
        values = [loc.get(name) for name in code.co_varnames[:n + star + kw]]
        if kw and isinstance(values[-1], dict):  # **kwargs: order-independent, as a call's keywords are
            values[-1] = tuple(sorted(values[-1].items()))
        return tuple(values)

    def _frames(self):
        st = getattr(self.stack, "items", None)
        if st is None:
            st = self.stack.items = []
        return st

    def on_call(self, frame, st):
        self._frames().append((frame, st, st.enter(self.arguments(frame))))

    def on_return(self, frame, result, raised=False):
        items = self._frames()
        while items:
            fr, st, slot = items.pop()
            if fr is frame:
                if raised:
                    st.raised += 1
                else:
                    st.leave(slot, result)
                return

    # -- Python 3.11: sys.setprofile ------------------------------------------------------------------
    def profile(self, frame, event, arg):
        if event == "call":
            st = self.match(frame.f_code)
            if st is not None:
                self.on_call(frame, st)
        elif event == "return" and frame.f_code in self.by_code:
            # a 'return' with None after an exception is indistinguishable here: counted as a result
            self.on_return(frame, arg)

    def start_setprofile(self):
        threading.setprofile(self.profile)
        sys.setprofile(self.profile)

    # -- Python 3.12+: sys.monitoring ------------------------------------------------------------------
    def start_monitoring(self, codes):
        mon = sys.monitoring
        tool = mon.PROFILER_ID
        if mon.get_tool(tool) is not None:
            tool = next(i for i in range(6) if mon.get_tool(i) is None)
        mon.use_tool_id(tool, "heatlens-probe")
        E = mon.events

        def start(code, _offset):
            st = self.match(code)
            if st is None:
                return mon.DISABLE  # never called again for this code location
            self.on_call(sys._getframe(1), st)
            return None

        def ret(code, _offset, value):
            if code in self.by_code:
                self.on_return(sys._getframe(1), value)

        def unwind(code, _offset, _exc):  # a global-only event: it costs only when an exception unwinds
            if code in self.by_code:
                self.on_return(sys._getframe(1), None, True)

        mon.register_callback(tool, E.PY_START, start)
        mon.register_callback(tool, E.PY_RETURN, ret)
        mon.register_callback(tool, E.PY_UNWIND, unwind)
        for code in codes:
            if self.match(code) is not None:
                mon.set_local_events(tool, code, E.PY_START | E.PY_RETURN)
        events = E.PY_UNWIND
        if any(_real(w[0]) not in self.script_files for w in self.watches):
            # functions of other files: found by a global PY_START that each other code location disables
            # after its first call; the ones found get their PY_RETURN locally
            events |= E.PY_START
            localized = set(self.by_code)

            def start_other(code, _offset):
                st = self.match(code)
                if st is None:
                    return mon.DISABLE
                if code not in localized:
                    localized.add(code)
                    mon.set_local_events(tool, code, E.PY_START | E.PY_RETURN)
                self.on_call(sys._getframe(1), st)
                return None

            mon.register_callback(tool, E.PY_START, start_other)
        mon.set_events(tool, events)
        self.tool = tool

    script_files: "frozenset[str]" = frozenset()

    def write(self, out, exit_code):
        mech = "sys.monitoring" if sys.version_info >= (3, 12) else "sys.setprofile"
        data = {"python": "%d.%d.%d" % sys.version_info[:3], "mechanism": mech, "exit_code": exit_code,
                "functions": [st.to_json() for st in self.stats]}
        tmp = out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, out)


def _codes(code):
    yield code
    for c in code.co_consts:
        if hasattr(c, "co_code"):
            yield from _codes(c)


def parse_args(argv):
    out, watches, i = None, [], 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            i += 1
            break
        if a == "--out":
            out = argv[i + 1]
            i += 2
        elif a == "--watch":
            path, line, qual = argv[i + 1].rsplit(":", 2)
            watches.append((path, int(line), qual))
            i += 2
        else:
            raise SystemExit("heatlens_probe_args: unknown option %r" % a)
    if out is None or not watches or i >= len(argv):
        raise SystemExit("usage: heatlens_probe_args.py --out F --watch FILE:LINE:QUALNAME ... -- script [args]")
    return out, watches, argv[i:]


def main(argv=None):
    out, watches, target = parse_args(sys.argv[1:] if argv is None else argv)
    probe = Probe(watches)
    exit_code = 0
    import types

    main_mod = types.ModuleType("__main__")
    main_mod.__dict__.update(__builtins__=__builtins__, __spec__=None, __package__=None)
    try:
        if target[0] == "-m":
            import runpy

            sys.argv = target[1:]
            sys.path[0] = os.getcwd()
            (probe.start_monitoring([]) if sys.version_info >= (3, 12) else probe.start_setprofile())
            runpy._run_module_as_main(target[1], alter_argv=True)
        else:
            path = os.path.abspath(target[0])
            sys.argv = target
            sys.path[0] = os.path.dirname(os.path.realpath(path))
            with open(path, "rb") as f:
                code = compile(f.read(), path, "exec", dont_inherit=True)
            main_mod.__dict__.update(__file__=path, __cached__=None)
            sys.modules["__main__"] = main_mod
            if sys.version_info >= (3, 12):
                probe.script_files = frozenset({_real(path)})
                probe.start_monitoring(list(_codes(code)))
            else:
                probe.start_setprofile()
            exec(code, main_mod.__dict__)
    except SystemExit as exc:
        exit_code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, int) and exc.code is not None:
            sys.stderr.write("%s\n" % exc.code)
    except BaseException:
        import traceback

        traceback.print_exc()
        exit_code = 1
    finally:
        if sys.version_info >= (3, 12) and hasattr(probe, "tool"):
            sys.monitoring.set_events(probe.tool, 0)
            for code in probe.by_code:
                sys.monitoring.set_local_events(probe.tool, code, 0)
        else:
            sys.setprofile(None)
            threading.setprofile(None)
        try:
            sys.stdout.flush()
        except Exception:
            pass
        probe.write(out, exit_code)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
