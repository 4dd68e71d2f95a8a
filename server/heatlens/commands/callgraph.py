"""`heatlens callgraph [TARGET] [RUN]`: the project's static call graph, merged with a run, as DOT or JSON."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from heatlens.analysis import callgraph as cg
from heatlens.commands.report import add_source_arguments
from heatlens.reports.loading import LoadError, load_profile_file, load_stored_run


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "callgraph", help="static call graph merged with the calls a run made (DOT or JSON)",
        description="Build the static call graph of TARGET (a folder or a file; default: the current "
        "directory) with jarviscg and merge it with a run: which functions never ran, which edges were taken "
        "and what they cost. DOT: taken edges bold with their time, never-ran functions dashed, edges the static "
        "analysis missed in blue. Render with `dot -Tsvg graph.dot -o graph.svg`.",
    )
    parser.add_argument("target", nargs="?", default=".", metavar="TARGET", help="folder or file to analyse")
    parser.add_argument("--run", default="latest", metavar="RUN",
                        help="run to merge: id, 'latest' (default), 'previous', a git ref, or 'none'")
    parser.add_argument("--format", "-f", choices=("dot", "json"), default=None,
                        help="output format (default: from the -o extension, else dot)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of the terminal")
    parser.add_argument("--external", action="store_true", help="DOT: also draw builtins and library calls")
    add_source_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    fmt = args.format or ("json" if (args.output or "").lower().endswith(".json") else "dot")
    root = os.path.abspath(args.project_root or os.getcwd())
    try:
        graph = cg.build_static(args.target)
    except cg.CallGraphError as exc:
        print(f"heatlens callgraph: {exc}", file=sys.stderr)
        return 2
    for path, why in graph.skipped.items():
        print(f"heatlens callgraph: warning: skipped {os.path.relpath(path)} (it does not compile: {why})", file=sys.stderr)
    if args.profile or args.run != "none":
        try:
            profile = load_profile_file(args.profile) if args.profile else load_stored_run(args.run, root, args.db)
        except LoadError as exc:
            if args.profile or args.run != "latest":
                print(f"heatlens callgraph: {exc}", file=sys.stderr)
                return 2
            print("heatlens callgraph: no stored run: the graph is static only", file=sys.stderr)
        else:
            cg.merge_run(graph, profile)
    text = cg.to_json(graph) if fmt == "json" else cg.to_dot(graph, include_external=args.external)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            print(f"heatlens callgraph: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        never = graph.never_ran()
        print(f"heatlens: {len(graph.nodes)} nodes, {len(graph.edges)} edges"
              + (f", {len(never)} function(s) {'never ran' if graph.exact_calls else 'never seen in samples'}"
                  if graph.merged else "") + f" -> {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
