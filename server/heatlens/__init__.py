"""heatlens: profile Python code and paint what was measured onto the source."""

__version__ = "0.1.0"
