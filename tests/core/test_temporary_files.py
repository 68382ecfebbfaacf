"""Temporary files are written where `git add` never picks them up: the git
directory, or (when that is on another file system) under a name git ignores."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import git, sess

from gitsess.core import files
from gitsess.core.files import write_atomic


@pytest.fixture
def committed(sessions: Path) -> Path:
    """`sessions` with everything committed: `git add -A` has nothing to add."""
    git(sessions, "add", "-A")
    git(sessions, "commit", "-qm", "sessions")
    return sessions


def block_scratch(repo: Path) -> None:
    """What a git directory on another file system gets (os.replace could not be
    atomic across): here the git directory's scratch folder cannot be made."""
    scratch = repo / ".git" / "gitsess" / "tmp"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.write_text("in the way\n")


def would_add(repo: Path) -> list[str]:
    """What `git add -A` would stage now."""
    out = git(repo, "add", "-A", "--dry-run")
    return [line.split(" ", 1)[1].strip("'") for line in out.splitlines()]


def test_a_temporary_file_is_in_the_git_directory(committed: Path) -> None:
    sessions = committed
    target = sessions / ".sessions" / "note.md"
    tmp = Path(files._write_temporary(target, "text\n", durable=False))
    try:
        assert tmp.parent == sessions / ".git" / "gitsess" / "tmp"
        assert would_add(sessions) == []
    finally:
        tmp.unlink()


def test_a_worktree_writes_into_its_own_git_directory(committed: Path, tmp_path: Path) -> None:
    sessions = committed
    other = tmp_path / "other"
    git(sessions, "worktree", "add", "-q", str(other), "-b", "other")
    tmp = Path(files._write_temporary(other / ".sessions" / "n.md", "x", durable=False))
    try:
        assert tmp.parent == sessions / ".git" / "worktrees" / "other" / "gitsess" / "tmp"
        assert would_add(other) == []
    finally:
        tmp.unlink()


def test_where_the_git_directory_cannot_take_it_the_name_is_ignored(committed: Path) -> None:
    sessions = committed
    block_scratch(sessions)
    target = sessions / ".sessions" / "note.md"
    tmp = Path(files._write_temporary(target, "text\n", durable=False))
    try:
        assert tmp.parent == target.parent and tmp.name.endswith(files.IGNORED_SUFFIX)
        assert would_add(sessions) == []
        exclude = (sessions / ".git" / "info" / "exclude").read_text()
        assert exclude.count(files.EXCLUDE_LINE) == 1
    finally:
        tmp.unlink()
    write_atomic(target, "again\n")  # a second write adds no second exclude line
    assert (sessions / ".git" / "info" / "exclude").read_text() == exclude
    assert target.read_text() == "again\n"


def test_outside_a_work_tree_it_is_written_beside(tmp_path: Path) -> None:
    target = tmp_path / "plain" / "settings.json"
    target.parent.mkdir()
    write_atomic(target, "{}\n")
    assert os.listdir(target.parent) == ["settings.json"]


@pytest.mark.parametrize("scratch", ["git directory", "ignored name"])
def test_a_concurrent_git_add_never_stages_a_temporary_file(committed: Path, scratch: str) -> None:
    sessions = committed
    if scratch == "ignored name":
        block_scratch(sessions)
    staged: set[str] = set()
    done = threading.Event()

    def add_all_the_time() -> None:
        while not done.is_set():
            subprocess.run(["git", "add", "-A"], cwd=sessions, capture_output=True)
            listed = subprocess.run(
                ["git", "diff", "--cached", "--name-only"],
                cwd=sessions,
                capture_output=True,
                text=True,
            )
            staged.update(listed.stdout.splitlines())

    adder = threading.Thread(target=add_all_the_time)
    adder.start()
    try:
        for number in range(12):
            made = sess(sessions, "new", f"Note {number}")
            assert made.code == 0, made.err
            updated = sess(sessions, "update", made.out.strip(), "--status", "complete")
            assert updated.code == 0, updated.err
    finally:
        done.set()
        adder.join()
    assert sum(name.endswith("_note_11.md") for name in staged) == 1  # the loop saw the writes
    assert [name for name in staged if "tmp" in name] == []


def test_a_temporary_file_is_new_private_and_named_as_asked(tmp_path: Path) -> None:
    """make_temporary stands in for tempfile.mkstemp (which loads shutil, bz2 and
    lzma on the way of every commit): a fresh name each time, taken exclusively."""
    made = [files.make_temporary(tmp_path, ".index.", ".tmp") for _ in range(50)]
    names = {name for _, name in made}
    for fd, name in made:
        os.close(fd)
        assert Path(name).parent == tmp_path
        assert Path(name).name.startswith(".index.") and name.endswith(".tmp")
        assert os.stat(name).st_mode & 0o777 == 0o600
    assert len(names) == 50


def test_a_temporary_name_already_taken_is_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = tmp_path / ".x.000000000000.tmp"
    taken.write_text("someone else's", encoding="utf-8")
    draws = iter([bytes(6), bytes([1] * 6)])
    monkeypatch.setattr(os, "urandom", lambda size: next(draws))
    fd, name = files.make_temporary(tmp_path, ".x.", ".tmp")
    os.close(fd)
    assert name == str(tmp_path / ".x.010101010101.tmp")
    assert taken.read_text(encoding="utf-8") == "someone else's"
