"""Call graph: the static graph of a project (jarviscg) merged with the calls a run observed.

pycg 0.0.8 does not run as published (its wheel installs `PyCG/` but imports `pycg`), so the static
half is jarviscg, a maintained pycg fork with the same JSON (`{"caller": ["callee", ...]}`), run in a
subprocess with a timeout. Names are mapped back to files and lines with the LibCST SourceIndex; run-time
functions are matched to them by (file, first line) = `co_firstlineno`, so cProfile's bare names and
samplers' qualnames both land on the right node. Generator expressions, comprehensions and lambdas fold
into the function that contains them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple

import attrs

from heatlens.model import Profile, function_key

SKIP_DIRS = {"__pycache__", "node_modules", "site-packages", "build", "dist", "venv", "env"}
MAX_FILES = 5000
JARVIS_TIMEOUT = 300.0


class CallGraphError(Exception):
    """The static analysis could not run; the message says why."""


@attrs.define
class Node:
    id: str  # dotted name as jarviscg writes it, e.g. "shop.pricing.Cart.add"
    kind: str = "function"  # "function" | "class" | "module" | "external"
    file: str = ""  # absolute; "" for external names (builtins, libraries)
    line: int = 0  # first line (first decorator), like co_firstlineno
    qualname: str = ""
    ran: Optional[bool] = None  # None: no run merged
    calls: Optional[int] = None
    self_time: float = 0.0
    total_time: float = 0.0


@attrs.define
class Edge:
    caller: str
    callee: str
    static: bool = True  # found by the static analysis
    observed: bool = False  # taken during the run
    time: float = 0.0  # seconds spent in the callee when called from the caller (where the backend knows it)


@attrs.define
class CallGraph:
    root: str
    nodes: Dict[str, Node] = attrs.Factory(dict)
    edges: Dict[Tuple[str, str], Edge] = attrs.Factory(dict)
    merged: bool = False
    exact_calls: bool = False  # the run counted calls (deterministic profiler): "never ran" is certain
    skipped: Dict[str, str] = attrs.Factory(dict)  # file -> why it was left out of the static analysis

    def never_ran(self) -> List[Node]:
        if not self.merged:
            return []
        return sorted((n for n in self.nodes.values() if n.kind == "function" and n.ran is False),
                      key=lambda n: (n.file, n.line))

    def to_dict(self) -> Dict[str, object]:
        return {
            "root": self.root, "merged": self.merged, "exact_calls": self.exact_calls,
            "nodes": [attrs.asdict(n) for n in sorted(self.nodes.values(), key=lambda n: n.id)],
            "edges": [attrs.asdict(e) for e in sorted(self.edges.values(), key=lambda e: (e.caller, e.callee))],
            "never_ran": [n.id for n in self.never_ran()],
            "skipped": dict(sorted(self.skipped.items())),
        }


# ---- static half ---------------------------------------------------------------------------------

def project_files(target: str) -> Tuple[str, List[str]]:
    """(package root, absolute .py files) for a directory or a single file."""
    target = os.path.abspath(target)
    if os.path.isfile(target):
        return os.path.dirname(target), [target]
    if not os.path.isdir(target):
        raise CallGraphError(f"{target} is neither a file nor a directory")
    files: List[str] = []
    for here, dirs, names in os.walk(target):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        files += [os.path.join(here, n) for n in sorted(names) if n.endswith(".py")]
        if len(files) > MAX_FILES:
            raise CallGraphError(f"more than {MAX_FILES} Python files under {target}; point at a smaller folder")
    if not files:
        raise CallGraphError(f"no Python files under {target}")
    return target, files


def module_name(root: str, path: str) -> str:
    rel = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
    return rel[: -len(".__init__")] if rel.endswith(".__init__") else rel


def unparsable(path: str) -> Optional[str]:
    """Why Python cannot compile the file (None if it can). jarviscg dies on the whole project at one such
    file (`AttributeError: 'NoneType' object has no attribute 'reset_counters'`), also on errors that only
    the compiler's symbol table finds (`global x` after an assignment), so the test is a full compile."""
    try:
        with open(path, "rb") as f:
            compile(f.read(), path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}" if exc.lineno else str(exc.msg)
    except (ValueError, UnicodeError, OSError) as exc:  # null bytes, a wrong coding cookie, unreadable
        return str(exc) or type(exc).__name__
    return None


def run_jarviscg(root: str, files: Sequence[str], timeout: float = JARVIS_TIMEOUT) -> Dict[str, List[str]]:
    """jarviscg's `{caller: [callees]}` for `files` (names relative to `root`), in a subprocess."""
    with tempfile.TemporaryDirectory(prefix="heatlens-cg-") as tmp:
        out = os.path.join(tmp, "cg.json")
        # `-c` puts the project folder (cwd) first on sys.path: drop it, or a project file named like a
        # module jarviscg imports (symtable.py, ast.py) would be imported in its place
        argv = [sys.executable, "-c", "import sys; del sys.path[0]; from jarviscg import cli; sys.exit(cli.main())",
                *files, "--package", root, "-o", out]
        try:
            proc = subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise CallGraphError(f"the static call graph took longer than {timeout:.0f}s") from exc
        try:
            with open(out) as f:
                data = json.load(f)
        except (OSError, ValueError) as exc:
            tail = (proc.stderr or "").strip().splitlines()[-3:]
            raise CallGraphError("jarviscg failed: " + (" | ".join(tail) or f"exit {proc.returncode}")) from exc
    return {str(k): [str(c) for c in v] for k, v in data.items()}


def _indexes(files: Sequence[str]) -> Dict[str, object]:
    from heatlens.mapping.source_index import decode_source, index_for

    out: Dict[str, object] = {}
    for path in files:
        try:
            with open(path, "rb") as f:
                out[path] = index_for(path, decode_source(f.read()))
        except OSError:
            continue
    return out


def build_static(target: str, raw: Optional[Dict[str, List[str]]] = None) -> CallGraph:
    """The static graph of `target` (a folder or a file); `raw` is jarviscg's output when already known."""
    root, files = project_files(target)
    skipped = {p: why for p in files if (why := unparsable(p)) is not None} if raw is None else {}
    if skipped and len(skipped) == len(files):
        raise CallGraphError(f"no Python file under {target} compiles (e.g. {next(iter(skipped))}: {next(iter(skipped.values()))})")
    raw = raw if raw is not None else run_jarviscg(root, [p for p in files if p not in skipped])
    modules = {module_name(root, p): p for p in files}
    indexes = _indexes(files)
    graph = CallGraph(root=root, skipped=skipped)

    def node(name: str) -> Node:
        if name in graph.nodes:
            return graph.nodes[name]
        mod = max((m for m in modules if name == m or name.startswith(m + ".")), key=len, default=None)
        n = Node(id=name, kind="external", qualname=name)
        if mod is not None:
            path, qual = modules[mod], name[len(mod) + 1:]
            n.file, n.qualname = path, qual or "<module>"
            if not qual:
                n.kind, n.line = "module", 1
            else:
                index = indexes.get(path)
                scopes = index.scopes_by_qualname(qual) if index is not None else []  # type: ignore[attr-defined]
                if scopes:
                    n.kind = "function" if scopes[0].is_function else "class"
                    n.line = scopes[0].start_line
                else:
                    n.kind = "function"  # a name jarviscg invented (e.g. a nested def it flattened)
        graph.nodes[name] = n
        return n

    for caller, callees in raw.items():
        node(caller)
        for callee in callees:
            node(callee)
            graph.edges[(caller, callee)] = Edge(caller, callee)
    for mod, path in modules.items():  # files with no calls at all still show their functions
        node(mod)
        index = indexes.get(path)
        for scope in index.functions if index is not None else []:  # type: ignore[attr-defined]
            if "<locals>" not in scope.qualname:
                node(f"{mod}.{scope.qualname}")
    return graph


# ---- merge with a run ----------------------------------------------------------------------------

def _runtime_node(graph: CallGraph, by_pos: Dict[Tuple[str, int], str], file: str, line: int,
                  qualname: str = "") -> Optional[str]:
    """The static node a run-time function (file, co_firstlineno) belongs to, folding generator
    expressions, comprehensions and lambdas into their enclosing function."""
    if qualname == "<module>":  # a function on line 1 shares the module's position
        return by_pos.get((file, 0))
    hit = by_pos.get((file, line))
    if hit is not None:
        return hit
    enclosing = [n for n in graph.nodes.values()
                 if n.file == file and n.kind == "function" and n.line < line]
    if not enclosing:
        return None
    from heatlens.mapping.source_index import decode_source, index_for

    try:
        with open(file, "rb") as f:
            scope = index_for(file, decode_source(f.read())).innermost_function_at(line)
    except OSError:
        return None
    return by_pos.get((file, scope.start_line)) if scope is not None else None


def merge_run(graph: CallGraph, profile: Profile) -> CallGraph:
    """Mark which functions ran (calls, self/total time) and which edges were taken, with their cost.
    Edges the run took that the static analysis missed (dynamic dispatch, callbacks) are added."""
    by_pos = {(n.file, 0): n.id for n in graph.nodes.values() if n.kind == "module"}  # found by "<module>"
    by_pos.update({(n.file, 1): n.id for n in graph.nodes.values() if n.kind == "module"})
    by_pos.update({(n.file, n.line): n.id for n in graph.nodes.values() if n.file and n.kind in ("function", "class")})
    for n in graph.nodes.values():
        if n.kind == "function":
            n.ran = False
    graph.merged = True
    graph.exact_calls = any(f.calls is not None for f in profile.functions)
    key_to_node: Dict[str, Optional[str]] = {}
    for fn in profile.functions:
        nid = _runtime_node(graph, by_pos, fn.file, fn.line, fn.qualname)
        key_to_node[fn.key] = nid
        if nid is None or graph.nodes[nid].kind != "function":
            continue
        n = graph.nodes[nid]
        if (fn.file, fn.line) == (n.file, n.line):  # its own entry, not a folded generator expression
            n.ran = True
            n.calls = (n.calls or 0) + fn.calls if fn.calls is not None else n.calls
            n.self_time += fn.self_time
            n.total_time += fn.total_time
    for fn in profile.functions:
        caller = key_to_node.get(fn.key)
        for callee_key, seconds in fn.callees.items():
            callee = key_to_node.get(callee_key)
            if callee is None:
                callee = _node_of_key(graph, by_pos, callee_key)
            _observe(graph, caller, callee, seconds)
    _merge_stacks(graph, by_pos, profile)
    return graph


def _node_of_key(graph: CallGraph, by_pos: Dict[Tuple[str, int], str], key: str) -> Optional[str]:
    file, _, rest = key.rpartition(":")  # "file:line:qualname"; file may contain ':'
    file, _, line = file.rpartition(":")
    return _runtime_node(graph, by_pos, file, int(line), rest) if line.isdigit() else None


def _observe(graph: CallGraph, caller: Optional[str], callee: Optional[str], seconds: float) -> None:
    if caller is None or callee is None or caller == callee:
        return
    edge = graph.edges.get((caller, callee))
    if edge is None:
        edge = graph.edges[(caller, callee)] = Edge(caller, callee, static=False)
    edge.observed = True
    edge.time += seconds
    if graph.nodes[callee].kind == "function" and graph.nodes[callee].ran is False:
        graph.nodes[callee].ran = True


def _merge_stacks(graph: CallGraph, by_pos: Dict[Tuple[str, int], str], profile: Profile) -> None:
    """Parent -> child pairs of sampled stacks (backends without caller/callee tables)."""
    if not profile.stacks or any(f.callees for f in profile.functions):
        return
    frame_node = [None if fr.native else _runtime_node(graph, by_pos, fr.file, fr.line, fr.name)
                  for fr in profile.frames]
    for stack in profile.stacks:
        seen = set()
        chain = [c for c in (frame_node[i] for i in stack.frames if 0 <= i < len(frame_node)) if c is not None]
        for c in chain:
            if graph.nodes[c].kind == "function" and not graph.nodes[c].ran:
                graph.nodes[c].ran = True
        for pair in zip(chain, chain[1:]):
            if pair not in seen:  # recursion must not count the same time twice
                seen.add(pair)
                _observe(graph, pair[0], pair[1], stack.weight)


# ---- export --------------------------------------------------------------------------------------

def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: CallGraph, include_external: bool = False) -> str:
    """Graphviz DOT: ran functions filled by total time, never-ran ones dashed grey, taken edges bold
    with their time, static-only edges dotted, run-only edges (missed by the static analysis) blue."""
    keep = {i for i, n in graph.nodes.items() if include_external or n.kind != "external"}
    top = max((n.total_time for n in graph.nodes.values()), default=0.0) or 1.0
    out = ["digraph heatlens_callgraph {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for nid in sorted(keep):
        n = graph.nodes[nid]
        where = f"{os.path.relpath(n.file, graph.root)}:{n.line}" if n.file else "external"
        label = f"{n.qualname}\n{where}"
        attrs_: List[str] = []
        if n.ran:
            label += f"\n{n.total_time:.3g}s" + (f", {n.calls} calls" if n.calls is not None else "")
            heat = min(1.0, n.total_time / top)
            attrs_ += ["style=filled", f'fillcolor="0.0 {0.1 + 0.8 * heat:.2f} 1.0"']
        elif n.ran is False:
            attrs_ += ["style=dashed", "color=grey50", "fontcolor=grey50"]
        if n.kind in ("module", "class", "external"):
            attrs_.append("shape=" + {"module": "folder", "class": "component", "external": "ellipse"}[n.kind])
        out.append(f"  {_dot_quote(nid)} [label={_dot_quote(label)}{''.join(', ' + a for a in attrs_)}];")
    for (a, b), e in sorted(graph.edges.items()):
        if a not in keep or b not in keep:
            continue
        style = ["penwidth=2", f'label="{e.time:.3g}s"'] if e.observed else (["style=dotted"] if graph.merged else [])
        if e.observed and not e.static:
            style.append("color=blue")
        out.append(f"  {_dot_quote(a)} -> {_dot_quote(b)}" + (f" [{', '.join(style)}]" if style else "") + ";")
    out.append("}")
    return "\n".join(out) + "\n"


def to_json(graph: CallGraph) -> str:
    return json.dumps(graph.to_dict(), indent=2) + "\n"


def function_key_of(node: Node) -> str:
    """The model's key for a node ("file:line:qualname"), for joining with Profile.functions."""
    return function_key(node.file, node.line, node.qualname)
