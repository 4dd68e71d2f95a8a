"""A pytest-lsp client that speaks heatlens' typed custom messages, and workspace helpers."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from lsprotocol import types as lsp
from pygls.uris import from_fs_path
import pytest
import pytest_asyncio
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import register_lsp_features
from pytest_lsp.protocol import LanguageClientProtocol

from heatlens.lsp import jsonrpc, protocol as hp

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lsp"
SERVER_COMMAND = [sys.executable, "-m", "heatlens", "serve"]  # `heatlens serve`, as editors start it
TIMEOUT = 120  # seconds for one profile under heavy CPU contention


class HeatClientProtocol(LanguageClientProtocol):
    """The test client's side of the typed custom messages."""

    def get_message_type(self, method: str) -> Any:
        return jsonrpc.MESSAGE_TYPES.get(method) or super().get_message_type(method)

    def get_result_type(self, method: str) -> Any:
        return jsonrpc.RESULT_TYPES.get(method) or super().get_result_type(method)


class HeatClient(LanguageClient):
    heat: List[hp.HeatParams]
    states: List[hp.StateParams]
    refreshes: Dict[str, int]
    root: Path
    init_result: lsp.InitializeResult

    @staticmethod
    def line_of(path: Path, marker: str) -> int:
        """0-based line of the first line containing `marker`."""
        for i, text in enumerate(path.read_text().splitlines()):
            if marker in text:
                return i
        raise AssertionError(f"{marker!r} not in {path}")

    async def start(self, root: Path, options: Optional[Dict[str, Any]] = None) -> None:
        """Initialize with `root` (a fresh copy of the fixtures) as the workspace."""
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        for src in FIXTURES.iterdir():
            if src.suffix == ".py":
                shutil.copy(src, root / src.name)
        self.init_result = await self.initialize_session(lsp.InitializeParams(
            capabilities=capabilities(),
            root_uri=from_fs_path(str(root)),
            workspace_folders=[lsp.WorkspaceFolder(uri=from_fs_path(str(root)) or "", name="ws")],
            initialization_options=options or {},
        ))

    def heat_for(self, uri: str) -> Optional[hp.HeatParams]:
        found = [h for h in self.heat if h.uri == uri]
        return found[-1] if found else None

    async def wait_heat(self, uri: str, after: int = 0, timeout: float = 30) -> hp.HeatParams:
        """The first heat notification for `uri` among those received after the `after`-th one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            found = [h for h in self.heat[after:] if h.uri == uri]
            if found:
                return found[-1]
            await asyncio.sleep(0.02)
        raise AssertionError(f"no heat for {uri} within {timeout} s")

    async def profile(self, **params: Any) -> hp.ProfileSummary:
        result = await asyncio.wait_for(self.protocol.send_request_async(hp.PROFILE, hp.ProfileParams(**params)), TIMEOUT)
        return result  # type: ignore[no-any-return]

    async def lenses(self, uri: str) -> List[lsp.CodeLens]:
        """The document's code lenses as an editor shows them: each one without a command resolved
        (`codeLens/resolve`), as VS Code and Neovim do for the lenses on screen."""
        lenses = await self.text_document_code_lens_async(lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
        return [l if l.command is not None else await self.code_lens_resolve_async(l) for l in lenses or []]

    def open(self, path: Path, version: int = 1) -> str:
        uri = from_fs_path(str(path))
        assert uri
        self.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="python", version=version, text=path.read_text()),
        ))
        return uri


def capabilities() -> lsp.ClientCapabilities:
    """What the tests need: work-done progress, refresh of lenses and hints, Markdown hovers."""
    return lsp.ClientCapabilities(
        window=lsp.WindowClientCapabilities(work_done_progress=True),
        workspace=lsp.WorkspaceClientCapabilities(
            code_lens=lsp.CodeLensWorkspaceClientCapabilities(refresh_support=True),
            inlay_hint=lsp.InlayHintWorkspaceClientCapabilities(refresh_support=True),
            configuration=True,
        ),
        text_document=lsp.TextDocumentClientCapabilities(
            hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown]),
            code_lens=lsp.CodeLensClientCapabilities(),
            inlay_hint=lsp.InlayHintClientCapabilities(),
            synchronization=lsp.TextDocumentSyncClientCapabilities(),
        ),
    )


def make_client() -> HeatClient:
    client = HeatClient(protocol_cls=HeatClientProtocol, converter_factory=jsonrpc.heatlens_converter)
    register_lsp_features(client)
    client.heat = []
    client.states = []
    client.refreshes = {"codeLens": 0, "inlayHint": 0}

    @client.feature(hp.HEAT)
    def on_heat(ls: HeatClient, params: hp.HeatParams) -> None:
        ls.heat.append(params)

    @client.feature(hp.STATE)
    def on_state(ls: HeatClient, params: hp.StateParams) -> None:
        ls.states.append(params)

    @client.feature(lsp.WORKSPACE_CODE_LENS_REFRESH)
    def on_lens_refresh(ls: HeatClient, params: Any) -> None:
        ls.refreshes["codeLens"] += 1

    @client.feature(lsp.WORKSPACE_INLAY_HINT_REFRESH)
    def on_hint_refresh(ls: HeatClient, params: Any) -> None:
        ls.refreshes["inlayHint"] += 1

    return client


CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: HeatClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh server per test, its workspace a fresh copy of tests/fixtures/lsp."""
    await lsp_client.start(tmp_path / "ws")
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def module_client(lsp_client: HeatClient, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One server for a whole test module (use with `pytest.mark.asyncio(loop_scope="module")`)."""
    await lsp_client.start(tmp_path_factory.mktemp("ws"))
    yield
    await lsp_client.shutdown_session()


# ---- hand-built data for the pure feature tests -----------------------------------------------------

SOURCE = """import time


def hot(n):
    s = 0
    for i in range(n):
        s = (s + i * i) % 1000003
    return s


@decorated
def cold(n):
    return sum(range(n))


hot(10)
cold(10)
"""


def _build_data(cpu: Dict[int, float], functions: Any = (), total: Optional[float] = None, samples: int = 400,
                mem: Optional[Dict[int, float]] = None) -> Any:
    from heatlens.lsp.annotations import FileData
    from heatlens.model import LineStats

    lines = {
        line: LineStats(line=line, cpu_python=sec * 0.8, cpu_native=sec * 0.2, samples=samples,
                        mem_peak_mb=(mem or {}).get(line, 0.0), mem_alloc_mb=(mem or {}).get(line, 0.0))
        for line, sec in cpu.items()
    }
    return FileData(path="/nowhere/prog.py", run_id=3, total_cpu=total if total is not None else sum(cpu.values()),
                    lines=lines, functions=list(functions), sha256=None, source=SOURCE, parsed=True)


@pytest.fixture
def build_data() -> Any:
    """FileData for `SOURCE` from {1-based line: CPU seconds} (80% python, 20% native)."""
    return _build_data


@pytest_asyncio.fixture
async def spawn() -> Any:
    """Start extra servers (e.g. a daemon restart) on an existing workspace; shut down after the test."""
    started: List[HeatClient] = []

    async def start(root: Path, options: Optional[Dict[str, Any]] = None, caps: Optional[lsp.ClientCapabilities] = None) -> HeatClient:
        client = await CONFIG.start()
        assert isinstance(client, HeatClient)
        started.append(client)
        client.root = root
        client.init_result = await client.initialize_session(lsp.InitializeParams(
            capabilities=caps or capabilities(), root_uri=from_fs_path(str(root)), initialization_options=options or {}))
        return client

    yield start
    for client in started:
        await client.shutdown_session()
        await client.stop()
