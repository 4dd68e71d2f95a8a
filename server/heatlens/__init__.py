"""heatlens: profile Python code and paint what was measured onto the source."""

from heatlens.version import __version__  # noqa: F401  (one place for the version)

from typing import Any

__all__ = ["Profiler", "profile", "__version__"]


def __getattr__(name: str) -> Any:
    """The Python API (`heatlens.profile("name")`, api.py), imported on first use: the CLI and the language
    server import this package too and do not need it."""
    if name in ("Profiler", "profile"):
        from heatlens import api

        return getattr(api, name)
    raise AttributeError(f"module 'heatlens' has no attribute {name!r}")


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext heatlens`: the `%%heatlens` / `%heatlens` magics. IPython is imported only here."""
    from heatlens.notebook.magic import load

    load(ipython)
