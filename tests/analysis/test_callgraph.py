"""Call graph: jarviscg on a fixture package with known edges, merged with real profiled runs."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from heatlens.analysis import callgraph as cg
from heatlens.backends.base import Target
from heatlens.cli import main
from heatlens.model import Profile, dumps
from heatlens.run import RunOptions, profile_target_sync

FIXTURE = Path(__file__).parent.parent / "fixtures" / "deeper" / "cgpkg"
P = "shop.pricing."
STATIC_EDGES = {
    ("main.main", "main.busy"), ("main.busy", P + "Cart.add"), ("main.busy", P + "Cart.checkout"),
    ("main.busy", P + "Cart.__init__"), (P + "Cart.checkout", P + "total"), (P + "total", P + "base_price"),
    (P + "total", P + "discount"), (P + "never_called", P + "base_price"),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("cg") / "cgpkg"
    shutil.copytree(FIXTURE, dest)
    return dest


@pytest.fixture(scope="module")
def static(project: Path) -> cg.CallGraph:
    return cg.build_static(str(project))


def _run(project: Path, backend: str) -> Profile:
    result = profile_target_sync(Target("script", "main.py", cwd=str(project), python=sys.executable),
                                 RunOptions(backend=backend, timeout=120))
    assert result.failure.ok and result.profile is not None, result.failure.message
    return result.profile


def test_static_edges_and_lines(static: cg.CallGraph, project: Path) -> None:
    assert STATIC_EDGES <= set(static.edges)
    add = static.nodes[P + "Cart.add"]
    assert (add.kind, add.qualname, add.line) == ("function", "Cart.add", 24)
    assert add.file == str(project / "shop" / "pricing.py")
    assert static.nodes[P + "Cart"].kind == "class"
    assert static.nodes["<builtin>.range"].kind == "external"
    assert static.never_ran() == []  # nothing merged yet


def test_merge_with_cprofile_finds_the_never_called_function(project: Path) -> None:
    graph = cg.merge_run(cg.build_static(str(project)), _run(project, "cprofile"))
    assert graph.exact_calls
    assert [n.id for n in graph.never_ran()] == [P + "never_called"]
    assert graph.nodes[P + "Cart.add"].calls == 60000 and graph.nodes[P + "base_price"].calls == 60000
    taken = {k for k, e in graph.edges.items() if e.observed}
    assert STATIC_EDGES - {(P + "never_called", P + "base_price")} <= taken
    assert not graph.edges[(P + "never_called", P + "base_price")].observed
    # the generator expression inside total() folds into total: its calls are total's edges
    assert graph.edges[(P + "total", P + "discount")].time > 0
    busy = graph.nodes["main.busy"]
    assert graph.edges[("main.busy", P + "Cart.checkout")].time <= busy.total_time + 1e-6


def test_merge_with_a_sampler_uses_stacks(project: Path) -> None:
    profile = _run(project, "pyinstrument")
    graph = cg.merge_run(cg.build_static(str(project)), profile)
    assert not graph.exact_calls
    assert graph.edges[("main.main", "main.busy")].observed
    assert graph.nodes["main.busy"].ran and graph.nodes[P + "never_called"].ran is False


def test_exports(project: Path, tmp_path: Path) -> None:
    profile_file = tmp_path / "run.msgpack"
    profile_file.write_bytes(dumps(_run(project, "cprofile")))
    out = tmp_path / "graph.json"
    assert main(["callgraph", str(project), "--profile", str(profile_file), "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["never_ran"] == [P + "never_called"]
    assert {(e["caller"], e["callee"]) for e in data["edges"]} >= STATIC_EDGES
    dot = tmp_path / "graph.dot"
    assert main(["callgraph", str(project), "--profile", str(profile_file), "-f", "dot", "-o", str(dot)]) == 0
    text = dot.read_text()
    assert text.startswith("digraph") and text.rstrip().endswith("}")
    never = next(line for line in text.splitlines() if line.lstrip().startswith(f'"{P}never_called" ['))
    assert "style=dashed" in never
    assert f'"{P}total" -> "{P}discount" [penwidth=2' in text
    assert "<builtin>" not in text  # externals only with --external


def test_single_file_and_errors(tmp_path: Path) -> None:
    src = tmp_path / "one.py"
    src.write_text("def a():\n    b()\n\n\ndef b():\n    pass\n")
    graph = cg.build_static(str(src))
    assert ("one.a", "one.b") in graph.edges and graph.nodes["one.b"].line == 5
    with pytest.raises(cg.CallGraphError):
        cg.build_static(str(tmp_path / "missing"))
    assert main(["callgraph", str(tmp_path / "missing"), "--run", "none"]) == 2


def test_a_function_on_line_one_is_not_the_module(tmp_path: Path) -> None:
    # cProfile names the script's `<module>` by its first line, which is also leaf's first line here
    (tmp_path / "main.py").write_text(
        "def leaf(x):\n    return x + 1\n\n\ndef main():\n    return sum(leaf(i) for i in range(21))\n\n\nmain()\n")
    graph = cg.merge_run(cg.build_static(str(tmp_path)), _run(tmp_path, "cprofile"))
    assert graph.nodes["main.leaf"].calls == 21 and graph.nodes["main.main"].calls == 1
    assert graph.edges[("main", "main.main")].observed
