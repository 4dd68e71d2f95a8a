"""Why a report shows nothing of "your code", in words the user can act on."""

from __future__ import annotations

from typing import Optional

from heatlens import classify
from heatlens.reports import attribution as at
from heatlens.reports import document as doc

_WORDS = {classify.LIBRARY: "libraries", classify.STDLIB: "the stdlib", classify.NATIVE: "native code",
          classify.HEATLENS: "heatlens itself", classify.OTHER: "files outside the project"}


def nothing_mine_hint(scope: at.Scope) -> Optional[str]:
    """A sentence for an empty "your code" section: what counted as yours, where the time went instead,
    and the option that changes it. None when some of your code was measured."""
    basis = at.time_basis(scope.profile)
    split = at.category_split(scope, basis)
    if split[classify.USER] > 0:
        return None
    root = scope.project_root or "(none)"
    yours = f"Your code is what lies under the project root {root} (the working directory unless --project-root says otherwise)"
    total = sum(split.values())
    if total <= 0:
        return f"The run was too short for any sample (try a longer run or a smaller --interval). {yours}."
    elsewhere = sorted(((v, c) for c, v in split.items() if v > 0), reverse=True)
    files = at.file_seconds(scope, basis)
    outside = sorted(((v, p) for p, v in files.items() if scope.category(p) == classify.OTHER and v > 0), reverse=True)
    example = ""
    if outside:  # named beside its own share; a file name in <...> is code without a file (exec, frozen modules)
        path = outside[0][1]
        example = f" (e.g. {scope.display(path)}" + (", code without a file" if path.startswith("<") else "") + ")"
    went = ", ".join(f"{_WORDS.get(c, c)} {doc.percent(v / total)}" + (example if c == classify.OTHER else "")
                     for v, c in elsewhere[:3])
    return (f"{yours}; this run's time went to {went}. "
            "Use --project-root DIR (or the userCode setting in the editor) to say where your code is.")
