"""`last export` (status, time, statusline) whatever commit brought the export: a merge,
a rebase, a cherry-pick, a pull that merges or rebases, a shallow clone.

The time of a committed export is the author date of the commit that wrote it: when it
was written, which a rebase or a cherry-pick keeps (the committer date says when the
commit was made again, a merge's when the branches met). Every commit here has its
dates set, so each answer is known."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest
from builders import export, session_name
from conftest import git, sess
from test_statusline import payload, statusline

T0 = "2026-01-01T09:00:00+00:00"  # the first commit
T1 = "2026-01-10T09:00:00+00:00"
T2 = "2026-01-12T09:00:00+00:00"
T3 = "2026-01-20T09:00:00+00:00"  # merges, rebases, cherry-picks, pulls


def run_git(repo: Path, *args: str, when: str, author: str | None = None) -> None:
    """`git …` with its new commits made at `when` (authored at `author`, else `when`)."""
    env = {**os.environ, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": author or when}
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, (args, done.stdout, done.stderr)


def rebase_git(repo: Path, *args: str, when: str) -> None:
    """A rebase or cherry-pick at `when`: the commits keep their author dates."""
    env = {**os.environ, "GIT_COMMITTER_DATE": when}
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, (args, done.stdout, done.stderr)


def write_and_commit(repo: Path, slug: str, day: int, when: str, body: str = "") -> str:
    """Write the export `slug` and commit it at `when`; its path."""
    name = session_name(slug, f"2026-01-{day:02d}")
    export(repo, name, slug.capitalize(), body or f"Work on {slug}.", date=f"2026-01-{day:02d}")
    git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", slug, when=when)
    return f".sessions/{name}"


def last_export(repo: Path) -> dict:
    result = sess(repo, "status", "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)["last_export"]


def assert_last(repo: Path, path: str, when: str) -> None:
    found = last_export(repo)
    assert found is not None, "last export: never"
    assert (found["path"], dt.datetime.fromisoformat(found["time"])) == (
        path,
        dt.datetime.fromisoformat(when),
    )
    assert found["or_earlier"] is False


@pytest.fixture
def history(sessions: Path) -> Path:
    """The sessions directory and a first export, committed at T0."""
    export(sessions, session_name("start"), "Start", "First.")
    git(sessions, "add", "-A")
    run_git(sessions, "commit", "-q", "-m", "start", when=T0)
    return sessions


def test_a_merge_of_two_branches_that_each_wrote_one(history):
    git(history, "checkout", "-q", "-b", "branch")
    theirs = write_and_commit(history, "theirs", 12, T2)
    git(history, "checkout", "-q", "main")
    write_and_commit(history, "ours", 10, T1)
    run_git(history, "merge", "-q", "--no-edit", "branch", when=T3)
    # The merge lists no file (`git log -1 --name-only`): the branch's commit wrote it.
    assert_last(history, theirs, T2)


def test_a_merge_that_resolved_a_conflict_in_an_export_wrote_it(history):
    git(history, "checkout", "-q", "-b", "branch")
    shared = write_and_commit(history, "shared", 10, T1, body="Theirs.")
    git(history, "checkout", "-q", "main")
    write_and_commit(history, "shared", 10, T1, body="Ours.")
    env = {**os.environ, "GIT_COMMITTER_DATE": T3, "GIT_AUTHOR_DATE": T3}
    merging = subprocess.run(
        ["git", "merge", "-q", "branch"], cwd=history, env=env, capture_output=True
    )
    assert merging.returncode
    (history / shared).write_text((history / shared).read_text().split("<<<<<<<")[0] + "Both.\n")
    git(history, "add", "-A")
    run_git(history, "commit", "-q", "--no-edit", when=T3)
    assert_last(history, shared, T3)


def test_a_rebase_keeps_the_time_each_export_was_written(history):
    """The branch's export, written at T1, is rebased at T3 onto main's, written at T2:
    the last written is main's (not the rebased one, first in the log and made at T3)."""
    git(history, "checkout", "-q", "-b", "branch")
    write_and_commit(history, "early", 10, T1)
    git(history, "checkout", "-q", "main")
    later = write_and_commit(history, "later", 12, T2)
    git(history, "checkout", "-q", "branch")
    rebase_git(history, "rebase", "-q", "main", when=T3)
    assert_last(history, later, T2)


def test_a_cherry_pick_keeps_the_time_the_export_was_written(history):
    git(history, "checkout", "-q", "-b", "branch")
    picked = write_and_commit(history, "picked", 10, T1)
    git(history, "checkout", "-q", "main")
    rebase_git(history, "cherry-pick", "branch", when=T3)
    assert_last(history, picked, T1)


@pytest.fixture
def clones(history: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Two clones of one shared repository: the user's, and a teammate's who pushes."""
    shared = tmp_path / "shared.git"
    git(tmp_path, "clone", "-q", "--bare", str(history), str(shared))
    user, teammate = tmp_path / "user", tmp_path / "teammate"
    for clone in (user, teammate):
        git(tmp_path, "clone", "-q", str(shared), str(clone))
    return user, teammate


def test_a_pull_that_merges(clones):
    user, teammate = clones
    pushed = write_and_commit(teammate, "pushed", 12, T2)
    git(teammate, "push", "-q", "origin", "main")
    write_and_commit(user, "local", 10, T1)
    run_git(user, "pull", "-q", "--no-rebase", "--no-edit", when=T3)
    assert len(git(user, "log", "-1", "--format=%P").split()) == 2  # a merge commit
    assert_last(user, pushed, T2)


@pytest.mark.parametrize(("ours", "theirs"), [(T1, T2), (T2, T1)], ids=["theirs", "ours"])
def test_a_pull_that_rebases(clones, ours, theirs):
    """The user's export and the teammate's, written at T1 and T2 in either order; the
    pull rebases the user's at T3: the one written last is still the last export."""
    user, teammate = clones
    pushed = write_and_commit(teammate, "pushed", 12, theirs)
    git(teammate, "push", "-q", "origin", "main")
    local = write_and_commit(user, "local", 10, ours)
    rebase_git(user, "pull", "-q", "--rebase", when=T3)
    assert git(user, "log", "-1", "--format=%cI").strip() == "2026-01-20T09:00:00+00:00"
    assert_last(user, *((local, ours) if ours > theirs else (pushed, theirs)))


def test_a_pull_that_fast_forwards(clones):
    user, teammate = clones
    pushed = write_and_commit(teammate, "pushed", 12, T2)
    git(teammate, "push", "-q", "origin", "main")
    run_git(user, "pull", "-q", "--ff-only", when=T3)
    assert_last(user, pushed, T2)


def test_a_shallow_clone_says_the_export_may_be_older(history, tmp_path):
    write_and_commit(history, "exported", 10, T1)
    (history / "code.py").write_text("x = 1\n")
    git(history, "add", "code.py")
    run_git(history, "commit", "-q", "-m", "code", when=T2)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{history}", str(shallow))

    # Its one commit holds every export, whichever commit wrote them: all that is known
    # is that they were written by T2.
    found = last_export(shallow)
    assert dt.datetime.fromisoformat(found["time"]) == dt.datetime.fromisoformat(T2)
    assert found["or_earlier"] is True
    now = {"GIT_SESS_NOW": "2026-01-13T09:00:00+00:00"}
    said = sess(shallow, "status", env=now).out
    assert "last export      1d 0h ago or earlier (a shallow clone: its history stops" in said
    assert "last export      1d 0h ago or earlier (a shallow" in sess(shallow, "time", env=now).out
    line = statusline(shallow, payload(shallow, 200_000, 20_000))
    assert line.endswith("ago or earlier")

    # An export written after the cut is known exactly.
    written = write_and_commit(shallow, "after", 13, T3)
    assert_last(shallow, written, T3)


def test_a_full_clone_of_one_commit_knows_it_wrote_everything(tmp_path):
    """A root commit is no cut history: it did write its exports."""
    from conftest import init_sessions

    repo = tmp_path / "fresh"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    init_sessions(repo)
    export(repo, session_name("first"), "First", "Text.")
    git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "root", when=T1)
    assert_last(repo, f".sessions/{session_name('first')}", T1)


def test_an_export_committed_on_a_detached_head_is_seen(history):
    git(history, "checkout", "-q", "--detach")
    detached = write_and_commit(history, "detached", 10, T1)
    assert_last(history, detached, T1)
