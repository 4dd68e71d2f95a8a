"""os.fork without the 3.12+ "multi-threaded" DeprecationWarning that heatlens's own thread in the profiled program
(the agent's sampler, the py-spy backend's allocation windows) would cause in a program that has no thread of its
own: stdlib only, imported by the agent and prepended to the allocation-window helper's source (pyspy_wrapper.py)."""


def quiet_fork(real):
    """`real` (os.fork) without that warning where heatlens's thread is the only other one; any other warning, or
    that one when the program has threads of its own, is issued again at the caller, under the program's filters
    (found by benchmarks/stress.py: every os.fork printed it)."""
    import os
    import sys
    import warnings

    def fork():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pid = real()
        if pid == 0 or not caught:
            return pid
        try:
            others = len(os.listdir("/proc/self/task")) - 1  # - heatlens's own thread
        except OSError:
            others = 2  # cannot tell: keep the warning
        f = sys._getframe(1)
        for w in caught:
            if others <= 1 and issubclass(w.category, DeprecationWarning) and "multi-threaded" in str(w.message):
                continue
            try:  # the source line from the caller's file, as the interpreter's own warning (no module_globals: a
                # `-c` program's __main__ has no loader to ask, and the warning was lost)
                warnings.warn_explicit(w.message, w.category, f.f_code.co_filename, f.f_lineno,
                                       module=f.f_globals.get("__name__"),
                                       registry=f.f_globals.setdefault("__warningregistry__", {}))
            except Exception:  # -W error included: the interpreter's own fork warning never raises either
                pass
        return pid

    fork.heatlens = True
    fork.__doc__, fork.__name__ = real.__doc__, real.__name__
    return fork
