"""The `details`, `libraries` and `raw` reports: `build_*(scope)` -> data, `*_blocks(data)` -> layout."""

from __future__ import annotations

from typing import Any, Dict, List

from heatlens import classify
from heatlens.reports import attribution as at
from heatlens.reports import document as doc
from heatlens.reports.mine import nothing_mine_hint
from heatlens.reports.summary import _share, function_row, function_table

# ---------------------------------------------------------------------------------------------- details


def build_details(scope: at.Scope) -> Dict[str, Any]:
    """Every function of your code, grouped by module (file), hottest module first."""
    fns = at.functions(scope.profile)
    fn_total = at.function_total(fns)
    modules: Dict[str, List[Any]] = {}
    for fn in fns:
        if scope.category(fn.file) == classify.USER:
            modules.setdefault(fn.file, []).append(fn)
    out = []
    for path, group in modules.items():
        group.sort(key=lambda f: (f.self_time, f.total_time, -f.line), reverse=True)
        self_sum = sum(f.self_time for f in group)
        out.append({
            "file": path,
            "path": scope.display(path),
            "self_seconds": self_sum,
            "self_share": _share(self_sum, fn_total),
            "functions": [function_row(scope, f, fn_total) for f in group],
        })
    out.sort(key=lambda m: m["self_seconds"], reverse=True)
    return {"kind": "details", "modules": out, "why_empty": None if out else nothing_mine_hint(scope)}


def details_blocks(data: Dict[str, Any]) -> List[doc.Block]:
    out: List[doc.Block] = [doc.Heading("heatlens details: your functions by module")]
    if not data["modules"]:
        why = data.get("why_empty")
        out.append(doc.Para("No function of your code was measured." + (f" {why}" if why else "")))
    for module in data["modules"]:
        out.append(doc.Heading(
            f"{module['path']} — {doc.seconds(module['self_seconds'])} self, {doc.percent(module['self_share'])}", 2
        ))
        out.append(function_table(module["functions"]))
    return out


# -------------------------------------------------------------------------------------------- libraries


def build_libraries(scope: at.Scope) -> Dict[str, Any]:
    """Where the time outside your code went: by package, stdlib module, native function, import time."""
    profile = scope.profile
    basis = at.time_basis(profile)
    total = at.total_seconds(profile, basis)
    split = at.category_split(scope, basis)
    groups = at.group_split(scope, basis)

    def rows(category: str) -> List[Dict[str, Any]]:
        items = [(name, secs) for (cat, name), secs in groups.items() if cat == category]
        items.sort(key=lambda kv: kv[1], reverse=True)
        return [{"name": n, "seconds": s, "share": _share(s, total)} for n, s in items]

    native = sorted(at.native_functions(scope).items(), key=lambda kv: kv[1], reverse=True)
    native_total = sum(s for _, s in native)
    imports = at.import_seconds(profile)
    return {
        "kind": "libraries",
        "basis": basis,
        "total_seconds": total,
        "non_user_seconds": total - split[classify.USER],
        "non_user_share": _share(total - split[classify.USER], total),
        "categories": {c: {"seconds": v, "share": _share(v, total)} for c, v in split.items()},
        "packages": rows(classify.LIBRARY),
        "stdlib": rows(classify.STDLIB),
        "other": rows(classify.OTHER) + rows(classify.HEATLENS),
        # native functions' shares are of the native time that was named (functions or stack leaves)
        "native": [{"name": n, "seconds": s, "share": _share(s, native_total)} for n, s in native[:25]],
        "import_seconds": imports,
        "import_share": _share(imports, total) if imports is not None else None,
    }


def libraries_blocks(data: Dict[str, Any]) -> List[doc.Block]:
    out: List[doc.Block] = [doc.Heading("heatlens libraries: time outside your code")]
    out.append(doc.Para(
        f"{doc.seconds(data['non_user_seconds'])} of {doc.seconds(data['total_seconds'])} "
        f"({doc.percent(data['non_user_share'])}) was spent outside your code ({data['basis']})."
    ))

    def table(rows: List[Dict[str, Any]], label: str) -> doc.Table:
        return doc.Table([label, "time", "share"],
                         [[r["name"], doc.seconds(r["seconds"]), doc.percent(r["share"])] for r in rows],
                         ["l", "r", "r"], empty="(none)")

    cats = data["categories"]
    out.append(doc.Heading("By package", 2))
    out.append(table(data["packages"], "package"))
    out.append(doc.Heading("Standard library", 2))
    out.append(table(data["stdlib"], "module"))
    out.append(doc.Heading(
        f"Native code — {doc.seconds(cats['native']['seconds'])}, {doc.percent(cats['native']['share'])}", 2
    ))
    if data["native"]:
        out.append(doc.Para("Share of the named native time, by function:"))
        out.append(table(data["native"], "function"))
    else:
        out.append(doc.Para("This backend does not name native functions."))
    if data["other"]:
        out.append(doc.Heading("Other (heatlens itself, <string>, frozen modules, files outside the project)", 2))
        out.append(table(data["other"], "where"))
    out.append(doc.Heading("Import time", 2))
    if data["import_seconds"] is None:
        out.append(doc.Para("Not measured by this backend."))
    else:
        secs, share = doc.seconds(data["import_seconds"]), doc.percent(data["import_share"])
        out.append(doc.Para(f"{secs} ({share}) importing modules."))
    return out


# -------------------------------------------------------------------------------------------------- raw


def build_raw(scope: at.Scope) -> Dict[str, Any]:
    """All functions, pstats-style, sorted by internal (self) time."""
    fns = sorted(at.functions(scope.profile), key=lambda f: (f.self_time, f.total_time), reverse=True)
    rows = []
    for fn in fns:
        calls = fn.calls
        rows.append({
            "ncalls": calls,
            "tottime": fn.self_time,
            "tottime_percall": fn.self_time / calls if calls else None,
            "cumtime": fn.total_time,
            "cumtime_percall": fn.total_time / calls if calls else None,
            "file": fn.file,
            "path": scope.display(fn.file),
            "line": fn.line,
            "function": fn.qualname,
            "category": scope.category(fn.file),
        })
    return {"kind": "raw", "functions": rows}


def raw_blocks(data: Dict[str, Any]) -> List[doc.Block]:
    def f(value: Any) -> str:
        return "-" if value is None else f"{value:.6f}"

    return [
        doc.Heading("heatlens raw: all functions (pstats style, by tottime)"),
        doc.Table(
            ["ncalls", "tottime", "percall", "cumtime", "percall", "filename:lineno(function)"],
            [[doc.count(r["ncalls"]), f(r["tottime"]), f(r["tottime_percall"]), f(r["cumtime"]),
              f(r["cumtime_percall"]), f"{r['path'] or '~'}:{r['line']}({r['function']})"] for r in data["functions"]],
            ["r", "r", "r", "r", "r", "l"],
        ),
    ]
