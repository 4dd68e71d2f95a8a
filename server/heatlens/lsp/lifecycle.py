"""`initialize`, `initialized` and `workspace/didChangeConfiguration`: the session's set-up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from heatlens.lsp import commands, text_sync
from heatlens.lsp.features import code_actions
from heatlens.lsp.protocol import HEAT_DELTAS_CAPABILITY

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer


def initialize(ls: "HeatlensServer", params: lsp.InitializeParams) -> None:
    text_sync.adopt(ls.workspace)  # documents that apply an edit in O(edit), not O(file)
    root = (to_fs_path(params.root_uri) if params.root_uri else None) or params.root_path
    if not root and params.workspace_folders:
        root = to_fs_path(params.workspace_folders[0].uri)
    if root:
        ls.project_root = root
    ls.apply_settings(params.initialization_options)
    experimental = getattr(params.capabilities, "experimental", None)
    ls.heat_deltas = isinstance(experimental, dict) and experimental.get(HEAT_DELTAS_CAPABILITY) is True
    if not ls.settings.client_commands:
        commands.register(ls)
    # No client implements the fix commands itself (the VS Code extension neither): always advertise them,
    # so vscode-languageclient registers them as VS Code commands that forward to the server.
    code_actions.register_commands(ls)


def initialized(ls: "HeatlensServer", params: lsp.InitializedParams) -> None:
    ls.history.start()


def did_change_configuration(ls: "HeatlensServer", params: lsp.DidChangeConfigurationParams) -> None:
    raw = params.settings
    if isinstance(raw, dict) and "heatlens" in raw:
        raw = raw["heatlens"]
    ls.apply_settings(raw)
    ls.publish_open(reanchor=False)


def register(server: "HeatlensServer") -> None:
    server.feature(lsp.INITIALIZE)(initialize)
    server.feature(lsp.INITIALIZED)(initialized)
    server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
