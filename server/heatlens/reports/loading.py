"""Find the profile a `report`/`export` command talks about: a stored run (id, `latest`, `previous`,
a git ref) in the project's SQLite store, or a msgpack profile file given with `--profile`."""

from __future__ import annotations

import os
from typing import Optional

from heatlens.model import Profile, SchemaError, loads


class LoadError(Exception):
    """The profile cannot be found or read; the message is for the user."""


def load_profile_file(path: str) -> Profile:
    try:
        with open(path, "rb") as fh:
            blob = fh.read()
    except OSError as exc:
        raise LoadError(f"cannot read profile {path}: {exc.strerror or exc}") from exc
    try:
        return loads(blob)
    except SchemaError as exc:
        raise LoadError(f"{path} is not a heatlens profile: {exc}") from exc


def load_stored_run(ref: str, project_root: str, db: Optional[str] = None) -> Profile:
    """Resolve `ref` in the store (never creating one: a missing database is an error, not a new file)."""
    from heatlens import store  # imported late: reading a --profile file must not need the store

    path = db or str(store.default_path(project_root))
    if not os.path.isfile(path):
        raise LoadError(
            f"no heatlens runs stored for {project_root} (looked for {path}); "
            "run `heatlens run ...` first, or pass --profile FILE"
        )
    try:
        with store.open_store(project_root, path) as st:
            return st.load(st.resolve(ref))
    except store.StoreError as exc:
        raise LoadError(str(exc)) from exc
