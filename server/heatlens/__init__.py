"""heatlens: profile Python code and paint what was measured onto the source."""

from heatlens.version import __version__  # noqa: F401  (one place for the version)

from heatlens.api import Profiler, profile  # noqa: E402  the Python API: heatlens.profile("name"), see api.py


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext heatlens`: the `%%heatlens` / `%heatlens` magics. IPython is imported only here."""
    from heatlens.notebook.magic import load

    load(ipython)
