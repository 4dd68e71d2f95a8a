"""The package version, in a module of its own so that every layer can name it without importing the API
facade that `heatlens/__init__.py` re-exports."""

__version__ = "0.1.0"
