"""Mapping between profiled lines and source structure (LibCST SourceIndex), roll-ups, positions,
and line maps that follow edits. Pure functions; see each module."""
