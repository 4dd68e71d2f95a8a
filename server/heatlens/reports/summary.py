"""The `summary` report: where the time and memory went, your code first, with advice for the top items.

`build(scope)` returns plain data (the JSON form); `blocks(data)` lays it out for text and Markdown.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from heatlens import classify
from heatlens.analysis import resources
from heatlens.model import FunctionStats, Profile
from heatlens.reports import attribution as at
from heatlens.reports import collectors, findings
from heatlens.reports import document as doc
from heatlens.reports.mine import nothing_mine_hint
from heatlens.reports.resources import blocks as resource_blocks
from heatlens.reports import processes
from heatlens.reports import time_account
from heatlens.reports.source import SourceCache, line_context

TOP_N = 10
ADVISE_MIN_SHARE = 0.05  # advice only for lines/functions worth at least 5% of the run
_BASIS_WORDS = {at.LINES_CPU: "CPU", at.LINES_WALL: "wall time", at.FUNCTIONS: "time", at.STACKS: "time"}


def _share(value: float, total: float) -> Optional[float]:
    return value / total if total > 0 else None


def function_row(scope: at.Scope, fn: FunctionStats, fn_total: float) -> Dict[str, Any]:
    return {
        "function": fn.qualname,
        "file": fn.file,
        "path": scope.display(fn.file),
        "line": fn.line,
        "self_seconds": fn.self_time,
        "self_share": _share(fn.self_time, fn_total),
        "total_seconds": fn.total_time,
        "total_share": _share(fn.total_time, fn_total),
        "calls": fn.calls,
        "mem_alloc_mb": fn.mem_alloc_mb,
        "mem_peak_mb": fn.mem_peak_mb,
    }


def run_info(profile: Profile) -> Dict[str, Any]:
    meta = profile.meta
    failure = meta.failure
    return {
        "target": meta.target,
        "argv": list(meta.argv),
        "backend": meta.backend,
        "backend_version": meta.backend_version,
        "python_version": meta.python_version,
        "wall_time": meta.wall_time,
        "cpu_time": meta.cpu_time,
        "program_wall": meta.program_wall,
        "exit_code": meta.exit_code,
        "failure": None
        if failure.ok
        else {
            "kind": failure.kind.value,
            "message": failure.message,
            "exc_type": failure.exc_type,
            "exc_message": failure.exc_message,
            "file": failure.file,
            "line": failure.line,
            "exit_code": failure.exit_code,
            "signal": failure.signal,
        },
        "notes": list(meta.notes),
    }


def build(scope: at.Scope, sources: Optional[SourceCache] = None) -> Dict[str, Any]:
    sources = sources or SourceCache()
    profile = scope.profile
    basis = at.time_basis(profile)
    total = at.total_seconds(profile, basis)
    split = at.category_split(scope, basis)
    fns = at.functions(profile)
    fn_total = at.function_total(fns)
    mine = [f for f in fns if scope.category(f.file) == classify.USER]
    mine.sort(key=lambda f: (f.self_time, f.total_time), reverse=True)
    shas = {f.path: f.sha256 for f in profile.files}

    top_lines = []
    for path, s in at.user_lines(scope, basis)[:TOP_N]:
        secs = at.user_line_seconds(s, basis)
        if secs <= 0 and not (s.mem_alloc_mb or s.mem_peak_mb):
            break
        source = sources.get(path, shas.get(path))
        ctx = line_context(source, s.line) if source else None
        # without the source, the nearest function above is a guess; with it, a line in no function is the module's
        parsed = ctx if source is not None and source.tree is not None else None
        enclosing = None if parsed else at.enclosing_function(fns, path, s.line)
        top_lines.append({
            "file": path,
            "path": scope.display(path),
            "line": s.line,
            "seconds": secs,
            "share": _share(secs, total),
            "cpu_python": s.cpu_python,
            "cpu_native": s.cpu_native,
            "cpu_callees": s.cpu_callees,
            "cpu_system": s.cpu_system,
            "wall": s.wall,
            "samples": s.samples,
            "hits": s.hits,
            "mem_alloc_mb": s.mem_alloc_mb,
            "mem_peak_mb": s.mem_peak_mb,
            "mem_net_mb": s.mem_net_mb,
            "function": (parsed.function or "<module>" if parsed else (enclosing.qualname if enclosing else None)),
            "loop_depth": ctx.loop_depth if ctx else None,
            "source": source.text(s.line).strip() if source else None,
        })

    memory_lines = sorted(
        ((p, s) for p, s in at.user_lines(scope, basis) if s.mem_alloc_mb or s.mem_peak_mb or s.mem_net_mb),
        key=lambda r: max(r[1].mem_peak_mb, r[1].mem_alloc_mb, r[1].mem_net_mb),
        reverse=True,
    )[:TOP_N]

    per_file = at.file_seconds(scope, basis)
    files = []
    for path, secs in sorted(per_file.items(), key=lambda kv: kv[1], reverse=True):
        if scope.category(path) != classify.USER:
            continue
        fp = profile.file(path)
        files.append({
            "file": path,
            "path": scope.display(path),
            "seconds": secs,
            "share": _share(secs, total),
            "functions": sum(1 for f in fns if f.file == path),
            "mem_alloc_mb": sum(s.mem_alloc_mb for s in fp.lines) if fp else 0.0,
            "mem_peak_mb": max((s.mem_peak_mb for s in fp.lines), default=0.0) if fp else 0.0,
        })

    data: Dict[str, Any] = {
        "kind": "summary",
        "run": run_info(profile),
        "project_root": scope.project_root,
        "basis": basis,
        "total_seconds": total,
        "time_account": time_account.account(profile.meta.wall_time, profile.meta.cpu_time, total, basis,
                                             profile.meta.program_wall, profile.meta.core_wait, profile.meta.paused_reads,
                                             profile.meta.memory_stops),
        "samples": sum(s.samples for f in profile.files for s in f.lines),
        "split": {c: {"seconds": v, "share": _share(v, total)} for c, v in split.items()},
        "top_functions": [function_row(scope, f, fn_total) for f in mine[:TOP_N]],
        "top_lines": top_lines,
        "memory_lines": [
            {"file": p, "path": scope.display(p), "line": s.line, "mem_alloc_mb": s.mem_alloc_mb,
             "mem_peak_mb": s.mem_peak_mb, "mem_net_mb": s.mem_net_mb}
            for p, s in memory_lines
        ],
        "files": files,
        "memory": at.peak_memory(profile),
        "resources": resources.profile_summary(profile),
        "collectors": collectors.summarize(profile, scope.display),
        "findings": findings.summarize(profile, scope.display),
        "processes": processes.summarize(profile),
    }
    data["why_nothing_mine"] = nothing_mine_hint(scope)
    data["recommendations"] = recommendations(scope, data)
    return data


def recommendations(scope: at.Scope, data: Dict[str, Any]) -> List[str]:
    """Plain-language advice for the top items, each naming the measured cost."""
    words = _BASIS_WORDS.get(data["basis"], "time")
    out: List[str] = []
    failure = data["run"]["failure"]
    if failure:
        out.append(
            f"The run ended with {failure['kind']}"
            + (f" ({failure['message']})" if failure["message"] else "")
            + ": the profile covers only what ran before that."
        )
    out.extend(_line_advice(scope, data, words))
    if not data["top_lines"]:
        for row in data["top_functions"][:1]:
            if (row["self_share"] or 0.0) >= ADVISE_MIN_SHARE:
                out.append(
                    f"`{row['function']}` ({row['path']}:{row['line']}) takes {row['self_share'] * 100:.0f}% of the "
                    f"{words} in its own code — start there; a line-level backend shows which of its lines."
                )
    split = data["split"]
    lib_share = (split[classify.LIBRARY]["share"] or 0.0) + (split[classify.STDLIB]["share"] or 0.0)
    if lib_share >= 0.5:
        out.append(
            f"{lib_share * 100:.0f}% of the {words} is in libraries and the stdlib: see the `libraries` report "
            "for which ones, then look at how your code calls them."
        )
    for row in data["memory_lines"][:1]:
        if row["mem_net_mb"] >= 10:
            out.append(
                f"line {row['line']} of {row['path']} still holds {row['mem_net_mb']:.0f} MB at the end of the "
                "run: release it when done, or stream instead of materializing."
            )
    samples = data["samples"]
    if 0 < samples < 100:
        out.append(f"Only {samples} samples: run longer (or loop the workload) for reliable shares.")
    return out


_HINTS = {
    "nested": "its cost is the product of both loops' lengths: look for work the inner loop repeats for every outer item (heatlens found no known anti-pattern here)",
    "loop": "move work that does not change between iterations out of the loop",
    "native": "most of it is in native or library code it calls: make fewer, larger calls (vectorize)",
    "system": "most of it is system time or waiting (I/O, sleep): batch or overlap the waits",
    "plain": "start there",
    "import": "importing modules: `python -X importtime` tells which import costs; import what only some runs "
              "need where it is used",
}
_IMPORT = re.compile(r"(import|from)\s")


def _in_calls(row: Dict[str, Any]) -> str:
    """Time of a line spent in native and library code it calls (what it pays for beyond its bytecode)."""
    secs = (row.get("cpu_native") or 0.0) + (row.get("cpu_callees") or 0.0)
    return doc.seconds(secs) if secs else "-"


def _line_advice(scope: at.Scope, data: Dict[str, Any], words: str) -> List[str]:
    """Advice for the hottest lines; lines of one function with the same advice are told once, together."""
    groups: Dict[Any, List[Dict[str, Any]]] = {}
    found_at: Dict[Any, Any] = {}
    for row in data["top_lines"][:5]:
        share = row["share"] or 0.0
        if share < ADVISE_MIN_SHARE:
            break
        finding = _finding_at(scope.profile, row["file"], row["line"])
        secs = row["seconds"] or 0.0
        depth = row["loop_depth"] or 0
        if finding is not None:
            kind = "finding"
        elif _IMPORT.match(row["source"] or ""):
            kind = "import"
        elif secs > 0 and row["cpu_native"] + row.get("cpu_callees", 0.0) > 0.5 * secs:
            kind = "native"
        elif secs > 0 and row["cpu_system"] > 0.5 * secs:
            kind = "system"
        else:
            kind = "nested" if depth >= 2 else "loop" if depth == 1 else "plain"
        # lines told together share their advice, and their loop unless one finding names them all
        key = (row["file"], row["function"], kind, id(finding), None if finding else min(depth, 2))
        found_at[key] = finding
        groups.setdefault(key, []).append(row)
    out: List[str] = []
    for n, (key, rows) in enumerate(groups.items()):
        kind, finding = key[2], found_at[key]
        if kind == "plain" and n > 0:
            continue  # nothing specific to say; the table already lists it
        share = sum(r["share"] or 0.0 for r in rows)
        numbers = ", ".join(str(n) for n in sorted(r["line"] for r in rows))
        together = " together" if len(rows) > 1 else ""
        plural = "s" if len(rows) > 1 else ""
        where = f"line{plural} {numbers} of {rows[0]['path']} ({share * 100:.0f}% of {words}{together})"
        verb = "are" if len(rows) > 1 else "is"
        fn = rows[0]["function"]
        depth = max(r["loop_depth"] or 0 for r in rows)
        if depth >= 2:
            text = f"{where} {verb} inside a nested loop" + (f" of `{fn}`" if fn else "")
        elif depth == 1:
            text = f"{where} {verb} inside a loop" + (f" of `{fn}`" if fn else "")
        else:
            text = f"{where} {verb} the hottest{' lines' if len(rows) > 1 else ' line'}" + (f" in `{fn}`" if fn else "")
            if n > 0:
                text = where + (f" in `{fn}`" if fn else "")
        hint = f"see the heatlens diagnostic ({finding.rule}: {finding.message})" if finding else _HINTS[kind]
        out.append(f"{text} — {hint}.")
        if len(out) == 3:
            break
    return out


def _finding_at(profile: Profile, path: str, line: int) -> Any:
    for finding in profile.findings:
        # a finding is anchored on one statement but costs on the lines it names (e.g. the whole inner loop)
        first, last = finding.data.get("cost_lines") or (finding.line, max(finding.end_line, finding.line))
        if finding.file == path and first <= line <= last:
            return finding
    return None


def header_blocks(data: Dict[str, Any]) -> List[doc.Block]:
    run = data["run"]
    backend = " ".join(x for x in (run["backend"], run["backend_version"]) if x) or "-"
    items = [("target", run["target"] or "-"), ("backend", backend)]
    if run["failure"]:
        f = run["failure"]
        where = f" at {f['file']}:{f['line']}" if f["file"] else ""
        items.append(("failure", f"{f['kind']}{where}" + (f": {f['message']}" if f["message"] else "")))
    return [doc.KeyValues(items)]


def blocks(data: Dict[str, Any]) -> List[doc.Block]:
    out: List[doc.Block] = [doc.Heading("heatlens summary")]
    out += header_blocks(data)
    # one labelled line whose parts add up, not three bare totals (wall, CPU, measured) side by side
    out.append(doc.Para("Time: " + time_account.sentence(data["time_account"])))
    out.append(doc.Heading("Where the time went", 2))
    labels = {"user": "your code", "library": "libraries", "stdlib": "stdlib", "native": "native code",
              "heatlens": "heatlens itself", "other": "other"}
    rows = [[labels[c], doc.seconds(v["seconds"]), doc.percent(v["share"])]
            for c, v in data["split"].items() if v["seconds"] > 0 or c in ("user", "library", "stdlib", "native")]
    out.append(doc.Table(["", "time", "share"], rows, ["l", "r", "r"]))
    if data.get("why_nothing_mine"):
        out.append(doc.Para(data["why_nothing_mine"]))
    out.append(doc.Heading("Top functions of your code", 2))
    out.append(function_table(data["top_functions"]))
    out.append(doc.Heading("Top lines of your code", 2))
    out.append(doc.Table(
        ["line", "time", "share", "in calls", "memory", "function", "source"],
        [[f"{r['path']}:{r['line']}", doc.seconds(r["seconds"]), doc.percent(r["share"]),
          _in_calls(r),
          doc.megabytes(max(r["mem_peak_mb"], r["mem_alloc_mb"])), r["function"] or "-", _clip(r["source"] or "")]
         for r in data["top_lines"]],
        ["l", "r", "r", "r", "r", "l", "l"],
        empty="(nothing measured)" if data["basis"] in (at.LINES_CPU, at.LINES_WALL) else "(no line data)",
    ))
    if data["memory_lines"]:
        out.append(doc.Heading("Memory of your code", 2))
        out.append(doc.Table(
            ["line", "allocated", "peak", "kept at end"],
            [[f"{r['path']}:{r['line']}", doc.megabytes(r["mem_alloc_mb"]), doc.megabytes(r["mem_peak_mb"]),
              doc.megabytes(r["mem_net_mb"])] for r in data["memory_lines"]],
            ["l", "r", "r", "r"],
        ))
    out.append(doc.Heading("Files of your code", 2))
    out.append(doc.Table(
        ["file", "time", "share", "functions", "allocated", "peak"],
        [[r["path"], doc.seconds(r["seconds"]), doc.percent(r["share"]), str(r["functions"]),
          doc.megabytes(r["mem_alloc_mb"]), doc.megabytes(r["mem_peak_mb"])] for r in data["files"]],
        ["l", "r", "r", "r", "r", "r"],
    ))
    mem = data["memory"]
    out.append(doc.Heading("Peak memory", 2))
    out.append(doc.KeyValues([
        ("process (RSS)", doc.megabytes(mem["peak_rss_mb"])),
        ("peak of the memory timeline", doc.megabytes(mem["traced_peak_mb"])),
        ("largest single line", doc.megabytes(mem["largest_line_peak_mb"])),
    ]))
    out += resource_blocks(data.get("resources"))
    out += collectors.blocks(data.get("collectors"))
    out += findings.blocks(data.get("findings") or [])
    out += processes.blocks(data.get("processes"))
    if data["recommendations"]:
        out.append(doc.Heading("Recommendations", 2))
        out.append(doc.Bullets(data["recommendations"]))
    if data["run"]["notes"]:
        out.append(doc.Heading("Notes", 2))
        out.append(doc.Bullets(data["run"]["notes"]))
    return out


def function_table(rows: List[Dict[str, Any]]) -> doc.Table:
    return doc.Table(
        ["function", "where", "self", "self %", "total", "total %", "calls", "memory"],
        [[r["function"], f"{r['path']}:{r['line']}", doc.seconds(r["self_seconds"]), doc.percent(r["self_share"]),
          doc.seconds(r["total_seconds"]), doc.percent(r["total_share"]), doc.count(r["calls"]),
          doc.megabytes(max(r["mem_peak_mb"], r["mem_alloc_mb"]))] for r in rows],
        ["l", "l", "r", "r", "r", "r", "r", "r"],
    )


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
