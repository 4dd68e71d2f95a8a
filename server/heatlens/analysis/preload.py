"""The anti-pattern analysis imported on a thread while the program runs, when the program is the user's
own file: LibCST's matcher and codemod modules cost ~0.25-0.4 s of CPU to import, which the user would
otherwise wait for after the run. Only once the program has run PRELOAD_DELAY: a program that ends sooner
(nothing to analyse, or little) imports nothing during its run, and the import would only compete with
heatlens's own start for the GIL. A program that is not theirs (a library's, a module, `-c`) imports
nothing here: a run with nothing to analyse costs what the run costs."""

from __future__ import annotations

import logging
import os
import threading
from typing import Optional, Sequence

from heatlens.backends.base import Target
from heatlens.classify import classify_path

log = logging.getLogger(__name__)

PRELOAD_DELAY = 0.3  # seconds of the run before the import starts
# What every run needs after it ends (the analysis's file reading, leaks; no LibCST): imported while the
# program runs, once it started (heatlens only waits then), instead of after it.
AFTER_RUN = ("heatlens.mapping.source_index", "heatlens.analysis.leaks")


def will_analyse(target: Target, project_root: Optional[str]) -> bool:
    """Whether the program is a script among the user's own files (what the pipeline analyses)."""
    if target.kind != "script":
        return False
    from heatlens.run.argv import default_project_root  # the root the run's profile will carry

    cwd = target.cwd or os.getcwd()
    script = Target(kind="script", value=os.path.abspath(os.path.join(cwd, target.value)), cwd=cwd)
    return classify_path(script.value, project_root or default_project_root(script)) == "user"


def preload_analysis(target: Target, project_root: Optional[str]) -> Optional[threading.Timer]:
    """When `will_analyse`: a started timer that imports the analysis after PRELOAD_DELAY (cancel it when
    the run ends: an import under way finishes, one not started does not start); else None."""
    if not will_analyse(target, project_root):
        return None
    timer = threading.Timer(PRELOAD_DELAY, _import_all, args=(("heatlens.analysis.findings",),))
    timer.name, timer.daemon = "heatlens-preload-analysis", True
    timer.start()
    return timer


def preload_modules(names: Sequence[str]) -> threading.Thread:
    """A started daemon thread that imports `names` (join it before using them: no import of the same
    modules runs in two threads at once)."""
    thread = threading.Thread(target=_import_all, args=(tuple(names),), name="heatlens-preload", daemon=True)
    thread.start()
    return thread


def _import_all(names: Sequence[str]) -> None:
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # imported again where it is used, which says what went wrong
            log.debug("preloading %s failed", name, exc_info=True)
