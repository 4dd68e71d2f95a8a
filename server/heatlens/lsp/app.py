"""`create_server()`: a heatlens language server with every feature registered explicitly.

Each call builds an independent server (its own state, its own handlers): `heatlens serve`, the TCP mode,
benchmarks and tests all start from here. No module holds a server of its own.
"""

from __future__ import annotations

from heatlens.lsp import documents, lifecycle, requests, views
from heatlens.lsp.editor import EditorFeatures
from heatlens.lsp.features import (
    code_actions, code_lens, complexity_lens, file_cells, notebook, notebook_profile, pytest_lens,
)
from heatlens.lsp.server import HeatlensServer


def create_server() -> HeatlensServer:
    server = HeatlensServer()
    lifecycle.register(server)  # initialize (registers the commands the client does not implement itself)
    documents.register(server)  # didOpen / didChange / didClose
    complexity = complexity_lens.ComplexityFeature(server)
    complexity.register(server)  # heatlens.measureComplexity: advertised always, no client implements it
    EditorFeatures(complexity.results).register(server)  # codeLens, hover, inlayHint, heatlens/debugCounters
    code_lens.register(server)  # codeLens/resolve: function lenses carry ranges first, titles when on screen
    code_actions.register(server)  # quick fixes and diagnostics publishing (the fix commands: at initialize)
    pytest_lens.register(server)  # heatlens.profileTest: always advertised, no client implements it itself
    file_cells.register(server)  # heatlens.profileFileCell: "Profile this cell" on `# %%` cells of a .py file
    notebook_profile.register(server, notebook.register(server))  # notebookDocument/* and heatlens/profileCell
    requests.register(server)  # heatlens/profile, /cancel, /runs, /report, ... (docs/protocol.md)
    views.register(server)  # heatlens/callgraph and heatlens/resources
    return server
