"""Where the Python-only sampler puts a window that ends at a function's entry (stdlib only, 3.11+).

Without faulthandler's dumps (see heatlens_agent_sampler) the SIGPROF handler runs at the interpreter's
next check point. When that is the RESUME of a function just called, none of the window's work was done
in that function: it was done before the call, where no check point came (a C operation such as
`b"x" * n`, or the tail of a function that returned since). The window goes to the function the caller
called last before this call, at that function's last line, under the caller's stack; or to the caller
itself when that function cannot be told (a method, a C function, no earlier call).
"""

from __future__ import annotations

import builtins
import dis
from typing import Any, Dict, Optional, Tuple

_CALLS = {"CALL", "CALL_KW", "CALL_FUNCTION_EX"}
_LOADS = {"LOAD_GLOBAL", "LOAD_NAME"}


def _line(code: Any, offset: int) -> Optional[int]:
    for start, end, line in code.co_lines():
        if start <= offset < end:
            return line
    return None


class EntryMapper:
    def __init__(self, frame_text: Any) -> None:
        self.frame_text = frame_text  # frame -> faulthandler-format stack text
        self._resume: Dict[Any, int] = {}
        self._calls: Dict[Any, Tuple[Tuple[int, Optional[str]], ...]] = {}  # code -> ((CALL offset, callee name))
        self._last_line: Dict[Any, int] = {}

    def stack(self, fr: Any) -> Optional[str]:
        """The stack text the window belongs to when `fr` stands at its entry check point, else None."""
        try:
            if fr.f_lasti > self._resume_offset(fr.f_code) or fr.f_back is None:
                return None
            caller = fr.f_back
            text = self.frame_text(caller)
            callee = self._previous_callee(caller)
            if callee is None:
                return text
            line = self._last(callee)
            return '  File "%s", line %d in %s\n' % (callee.co_filename, line, callee.co_name) + text
        except Exception:  # a bytecode layout this does not know: keep the handler's own position
            return None

    def _resume_offset(self, code: Any) -> int:
        off = self._resume.get(code)
        if off is None:
            off = next((i.offset for i in dis.get_instructions(code) if i.opname == "RESUME"), -1)
            self._resume[code] = off
        return off

    def _previous_callee(self, caller: Any) -> Any:
        code = caller.f_code
        calls = self._calls.get(code)
        if calls is None:
            calls, name = [], None
            for ins in dis.get_instructions(code):
                if ins.opname in _LOADS and isinstance(ins.argval, str):
                    name = ins.argval
                elif ins.opname in _CALLS:
                    calls.append((ins.offset, name))
                    name = None
                elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD", "LOAD_FAST", "LOAD_DEREF"):
                    name = None  # a method or a local callable: not resolvable by name
            calls = self._calls[code] = tuple(calls)
        upto = [c for c in calls if c[0] <= caller.f_lasti]  # f_lasti may point past the CALL (caches)
        if len(upto) < 2 or upto[-2][1] is None:
            return None
        # only an earlier call on the same line as this one: across lines, check points may lie between
        if _line(code, upto[-2][0]) != _line(code, upto[-1][0]):
            return None
        name = upto[-2][1]
        fn = caller.f_globals.get(name, getattr(builtins, name, None))
        return getattr(fn, "__code__", None)

    def _last(self, code: Any) -> int:
        line = self._last_line.get(code)
        if line is None:
            line = max((ln for _, _, ln in code.co_lines() if ln), default=code.co_firstlineno)
            self._last_line[code] = line
        return line
