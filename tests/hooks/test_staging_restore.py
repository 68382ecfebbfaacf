"""A failed `git sess commit` never restores the staging area from a stale copy:
what another process staged or committed meanwhile stays as it is."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from builders import new
from conftest import file_size_limited, git, sess

from gitsess.core.workspace import open_workspace
from gitsess.hooks.sesscommit import _index_entries, _restore_index_entries


def _hook(repo: Path, name: str, body: str) -> None:
    hook = repo / ".git" / "hooks" / name
    hook.write_text("#!/bin/sh\n" + body)
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)


def _staged_against_head(repo: Path) -> str:
    return git(repo, "diff", "--cached", "--name-status")


def test_a_commit_made_meanwhile_is_not_undone(sessions):
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "setup")
    path = new(sessions, "Raced", "--date", "2026-01-02")
    name = f".sessions/{path.name}"
    # While `git sess commit` runs, another process commits what it staged (here
    # from inside the commit-msg hook, the staging area git is committing), then
    # this commit fails: the export is in HEAD now and must stay staged as HEAD has it.
    _hook(
        sessions,
        "commit-msg",
        "tree=$(git write-tree)\n"
        'git update-ref HEAD "$(git commit-tree "$tree" -p HEAD -m other)"\n'
        "exit 1\n",
    )
    result = sess(sessions, "commit")
    assert result.code == 1, result.out + result.err
    assert "git commit did not commit" in result.err

    assert git(sessions, "log", "-1", "--format=%s").strip() == "other"
    assert name in git(sessions, "ls-tree", "-r", "--name-only", "HEAD").split()
    assert _staged_against_head(sessions) == ""  # before the fix: "D .sessions/…"
    (sessions / ".git" / "hooks" / "commit-msg").unlink()
    git(sessions, "commit", "-q", "--allow-empty", "-m", "next")
    assert name in git(sessions, "ls-tree", "-r", "--name-only", "HEAD").split()


def test_a_failed_commit_alone_is_undone(sessions):
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "setup")
    new(sessions, "Refused", "--date", "2026-01-02")
    _hook(sessions, "commit-msg", "exit 1\n")
    before = git(sessions, "ls-files", "-s")

    result = sess(sessions, "commit")

    assert result.code == 1
    assert git(sessions, "ls-files", "-s") == before
    assert not (sessions / ".git" / "index.lock").exists()


def test_an_entry_staged_by_another_process_is_kept(sessions):
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "setup")
    path = new(sessions, "Shared", "--date", "2026-01-02")
    name = f".sessions/{path.name}"
    other = new(sessions, "Other", "--date", "2026-01-03")
    other_name = f".sessions/{other.name}"
    workspace = open_workspace(sessions)
    saved = _index_entries(workspace, [name, other_name])
    git(sessions, "add", name, other_name)
    ours = _index_entries(workspace, [name, other_name])
    # another process stages a newer version of one of them
    path.write_text(path.read_text() + "\nMore.\n")
    git(sessions, "add", name)
    theirs = _index_entries(workspace, [name])[name]
    head = git(sessions, "rev-parse", "HEAD").strip()

    _restore_index_entries(workspace, saved, ours, head)

    now = _index_entries(workspace, [name, other_name])
    assert now[name] == theirs  # theirs, kept
    assert now[other_name] == saved[other_name]  # ours, taken out again
    assert not os.path.exists(sessions / ".git" / "index.lock")


def test_a_held_index_lock_leaves_the_staging_area_as_it_is(sessions, monkeypatch):
    import gitsess.hooks.sesscommit as sesscommit

    monkeypatch.setattr(sesscommit, "_LOCK_TRIES", 2)
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "setup")
    path = new(sessions, "Locked", "--date", "2026-01-02")
    name = f".sessions/{path.name}"
    workspace = open_workspace(sessions)
    saved = _index_entries(workspace, [name])
    git(sessions, "add", name)
    ours = _index_entries(workspace, [name])
    lock = sessions / ".git" / "index.lock"
    lock.write_bytes(b"")  # another git command is changing the staging area
    head = git(sessions, "rev-parse", "HEAD").strip()

    _restore_index_entries(workspace, saved, ours, head)

    assert lock.exists()  # theirs, untouched
    lock.unlink()
    assert _index_entries(workspace, [name]) == ours


def test_a_refused_commit_says_what_stays_staged(hooked):
    """With the hooks, git's pre-commit hook stages the index it regenerates: a
    later refusal (commit-msg) cannot tell it from another process's staging,
    so it stays, and the message says so instead of "nothing was staged"."""
    path = new(hooked, "Refused", "--date", "2026-01-02")
    _hook(hooked, "commit-msg", "exit 1\n")

    result = sess(hooked, "commit")

    assert result.code == 1
    first = result.err.splitlines()[0]
    assert first.endswith(
        "git commit did not commit (its message is above); still staged:"
        " .sessions/session_index.md (git restore --staged PATH takes it out)"
    ), result.err
    staged = git(hooked, "diff", "--cached", "--name-only").split()
    assert staged == [".sessions/session_index.md"]  # the export was taken out again
    assert f".sessions/{path.name}" not in staged


def test_a_full_disk_while_putting_back_leaves_the_staging_area_and_says_so(sessions):
    """The copy of the staging area into index.lock fails (a file-size limit
    stands in for a full disk): a warning, the lock gone, nothing changed."""
    import subprocess
    import sys

    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "setup")
    path = new(sessions, "Staged", "--date", "2026-01-02")
    git(sessions, "add", f".sessions/{path.name}")
    before = git(sessions, "ls-files", "-s")
    index_size = (sessions / ".git" / "index").stat().st_size
    script = (
        "from gitsess.core.workspace import open_workspace\n"
        "from gitsess.hooks.sesscommit import _head, _index_entries, _restore_index_entries\n"
        "w = open_workspace()\n"
        f"name = '.sessions/{path.name}'\n"
        "saved = dict(_index_entries(w, [name]))\n"
        "saved[name] = '0 ' + '0' * 40 + '\\t' + name\n"
        "_restore_index_entries(w, saved, None, _head(w))\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=sessions,
        capture_output=True,
        text=True,
        **file_size_limited(index_size // 2),
    )

    assert done.returncode == 0, done.stderr
    assert "the staging area could not be copied to put it back" in done.stderr
    assert git(sessions, "ls-files", "-s") == before
    assert not (sessions / ".git" / "index.lock").exists()
