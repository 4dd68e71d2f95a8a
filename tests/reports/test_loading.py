"""Finding the profile a command names: the real SQLite store, or a msgpack file."""

from __future__ import annotations

import os

import pytest

from heatlens.model import dumps
from heatlens.reports.loading import LoadError, load_profile_file, load_stored_run
from heatlens.store import default_path, open_store


def test_profile_file(profile, tmp_path):
    path = tmp_path / "p.msgpack"
    path.write_bytes(dumps(profile))
    assert load_profile_file(str(path)).functions == profile.functions
    path.write_bytes(b"not msgpack at all")
    with pytest.raises(LoadError, match="not a heatlens profile"):
        load_profile_file(str(path))
    with pytest.raises(LoadError, match="cannot read profile"):
        load_profile_file(str(tmp_path / "missing"))


def test_stored_runs_latest_previous_and_id(profile, paths):
    root = paths["root"]
    with open_store(root) as st:
        first = st.save(profile)
        profile.meta.wall_time = 2.5
        second = st.save(profile)
        profile.meta.target = "other.py"
        third = st.save(profile)
    # "previous" is the run before the latest of the same target (what compare wants)
    assert load_stored_run("latest", root).meta.target == "other.py"
    with pytest.raises(LoadError, match="no earlier run"):
        load_stored_run("previous", root)
    assert load_stored_run(str(first), root).meta.wall_time != 2.5
    assert load_stored_run(f"#{second}", root).meta.wall_time == 2.5
    assert load_stored_run(f"#{third}", root).meta.target == "other.py"
    with pytest.raises(LoadError, match="no run #999"):
        load_stored_run("999", root)


def test_missing_store_is_an_error_not_a_new_database(tmp_path):
    with pytest.raises(LoadError, match="no heatlens runs stored"):
        load_stored_run("latest", str(tmp_path))
    assert not os.path.exists(default_path(str(tmp_path)).parent)
