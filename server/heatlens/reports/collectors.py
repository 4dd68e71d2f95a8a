"""The summary report's sections from the agent's collectors: memory leaks (the "memory-leak" findings of
the "full" memory mode), garbage collection (Profile.gc) and imports (Profile.imports), as plain data (the
JSON form) and as document blocks."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from heatlens.analysis import leaks
from heatlens.model import Profile
from heatlens.reports import document as doc

TOP_IMPORTS = 10
MIN_IMPORT_SECONDS = 0.005  # faster imports are not worth a row


def summarize(profile: Profile, display: Callable[[str], str] = str) -> Optional[Dict[str, Any]]:
    """None when there is nothing to say (the backend collected none of it)."""
    found = [f for f in profile.findings if f.rule == leaks.RULE]
    if profile.gc is None and not profile.imports and not found:
        return None
    g = profile.gc
    imports = [r for r in sorted(profile.imports, key=lambda r: r.seconds, reverse=True)
               if r.seconds >= MIN_IMPORT_SECONDS][:TOP_IMPORTS]
    return {
        "leaks": [{"file": f.file, "path": display(f.file), "line": f.line, "message": f.message} for f in found],
        "gc": None if g is None else {
            "collections": list(g.collections), "pause_seconds": list(g.pause_seconds),
            "collected": list(g.collected), "max_pause": g.max_pause, "total_pause": sum(g.pause_seconds),
        },
        "imports": [{"module": r.module, "file": r.file, "seconds": r.seconds, "self_seconds": r.self_seconds,
                     "importer_file": r.importer_file, "importer_line": r.importer_line} for r in imports],
        "import_seconds": sum(r.self_seconds for r in profile.imports),  # self times: no double counting
    }


def blocks(data: Optional[Dict[str, Any]]) -> List[doc.Block]:
    if not data:
        return []
    out: List[doc.Block] = []
    if data.get("leaks"):
        out.append(doc.Heading("Memory leaks", 2))
        out.append(doc.Bullets([f"{r['path']}:{r['line']}: {r['message']}" for r in data["leaks"]]))
    g = data["gc"]
    if g is not None or data["imports"]:
        out.append(doc.Heading("Garbage collection and imports", 2))
    if g is not None:
        out.append(doc.KeyValues([
            ("collections", ", ".join(f"gen {i}: {n}" for i, n in enumerate(g["collections"]))),
            ("pause", f"{doc.seconds(g['total_pause'])} in all, longest {doc.seconds(g['max_pause'])} "
                      f"(gen 2: {doc.seconds(g['pause_seconds'][2])})"),
        ]))
    if data["imports"]:
        out.append(doc.Para(f"Imports took {doc.seconds(data['import_seconds'])}; the slowest:"))
        out.append(doc.Table(
            ["module", "total", "itself", "imported at"],
            [[r["module"], doc.seconds(r["seconds"]), doc.seconds(r["self_seconds"]),
              f"{r['importer_file']}:{r['importer_line']}" if r["importer_file"] else "-"] for r in data["imports"]],
            ["l", "r", "r", "l"],
        ))
    return out
