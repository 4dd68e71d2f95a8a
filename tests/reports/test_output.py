"""Output paths: exactly where the user pointed, never into a directory or a missing folder."""

from __future__ import annotations

import os

import pytest

from heatlens.reports.output import OutputError, write_output


def test_writes_and_overwrites_a_file(tmp_path):
    out = tmp_path / "r.txt"
    write_output(str(out), "one")
    write_output(str(out), b"two")
    assert out.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["r.txt"]  # no temporary file left behind


def test_refuses_a_directory(tmp_path):
    with pytest.raises(OutputError, match="is a directory"):
        write_output(str(tmp_path), "x")


def test_refuses_a_missing_parent_instead_of_creating_it(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        write_output(str(tmp_path / "nope" / "r.txt"), "x")
    assert not (tmp_path / "nope").exists()


def test_relative_path_is_relative_to_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_output("rel.md", "x")
    assert (tmp_path / "rel.md").read_text() == "x"


def test_symlink_is_written_through(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    os.symlink(real, link)
    write_output(str(link), "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_keeps_an_existing_files_mode(tmp_path):
    out = tmp_path / "r.txt"
    out.write_text("old")
    os.chmod(out, 0o600)
    write_output(str(out), "new")
    assert out.stat().st_mode & 0o777 == 0o600
