"""Work-done progress of a profile: phases (starting → running → reading → mapping) and elapsed time."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from concurrent.futures import Future
from typing import Any, Optional

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

TICK_S = 0.5


def progress_message(phase: str, elapsed: float) -> str:
    return f"{phase} · {elapsed:.1f} s"


class PhaseProgress:
    """Begin/report/end on one token, with a ticker that re-reports the current phase's elapsed time."""

    def __init__(self, ls: LanguageServer, token: Optional[lsp.ProgressToken], title: str) -> None:
        self.ls = ls
        self.token = token
        self.title = title
        self.phase = "starting"
        self.started = time.monotonic()
        self._ticker: Optional["asyncio.Task[None]"] = None

    @classmethod
    async def create(cls, ls: LanguageServer, token: Optional[lsp.ProgressToken], title: str) -> "PhaseProgress":
        """Use the client's token, else create one if the client supports server-initiated progress."""
        if token is None and _supports_progress(ls):
            candidate = f"heatlens-{uuid.uuid4()}"
            try:
                await asyncio.wait_for(ls.work_done_progress.create_async(candidate), 10)
                token = candidate
            except Exception as exc:  # a client that refuses: profile without progress
                log.info("client did not create a progress token: %s", exc)
        return cls(ls, token, title)

    @property
    def cancel_future(self) -> "Optional[Future[Any]]":
        return None if self.token is None else self.ls.work_done_progress.tokens.get(self.token)

    def begin(self) -> None:
        if self.token is None:
            return
        self.ls.work_done_progress.begin(
            self.token,
            lsp.WorkDoneProgressBegin(title=self.title, message=progress_message(self.phase, 0.0), cancellable=True),
        )
        self._ticker = asyncio.ensure_future(self._tick())

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self._report()

    def _report(self) -> None:
        if self.token is None:
            return
        self.ls.work_done_progress.report(
            self.token,
            lsp.WorkDoneProgressReport(message=progress_message(self.phase, time.monotonic() - self.started), cancellable=True),
        )

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self._report()

    def end(self, message: str) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        if self.token is None:
            return
        self.ls.work_done_progress.end(self.token, lsp.WorkDoneProgressEnd(message=message))
        self.ls.work_done_progress.tokens.pop(self.token, None)


def _supports_progress(ls: LanguageServer) -> bool:
    window = getattr(ls.client_capabilities, "window", None)
    return bool(window is not None and window.work_done_progress)
