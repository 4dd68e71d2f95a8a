"""`heatlens.profileFile` through workspace/executeCommand, for clients that do not implement it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict

from pygls.exceptions import JsonRpcInvalidParams

from heatlens.lsp.protocol import PROFILE_FILE_COMMAND, ProfileParams
from heatlens.lsp.requests import profile

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer


def register(ls: "HeatlensServer") -> None:
    if PROFILE_FILE_COMMAND in ls.protocol.fm.commands:
        return

    # No annotation on `ls`: pygls resolves the handler's type hints at call time (a TYPE_CHECKING-only
    # name would fail there), and it recognizes the server argument by its name.
    @ls.command(PROFILE_FILE_COMMAND)
    async def profile_file(ls, *args: Any) -> Dict[str, Any]:
        if len(args) != 1 or not isinstance(args[0], str):
            raise JsonRpcInvalidParams(f"{PROFILE_FILE_COMMAND} takes one argument: the file's uri")
        summary = await profile(ls, ProfileParams(uri=args[0]))
        return ls.protocol._converter.unstructure(summary)
