"""A plain `git commit` lets go of index.lock before the pre-commit hook runs and
reads the staging area again after it: what another process stages in between
goes into the commit without the hook having seen it. The post-commit hook
compares HEAD's sessions tree with the one the hook checked and rebuilds the
commit with the index its exports call for.

The other process is played by a pre-commit hook that runs ours and then
stages an export, exactly in that window (PRE_COMMIT_RUNNING_LEGACY: our stub
then knows git as its grandparent, as under the pre-commit framework)."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from builders import new
from conftest import git, sess

from gitsess.core.index import INDEX_NAME


def _stage_after_our_hook(repo: Path, command: str) -> None:
    hooks = repo / ".git" / "hooks"
    (hooks / "pre-commit").rename(hooks / "pre-commit.ours")
    wrapper = hooks / "pre-commit"
    wrapper.write_text(
        f'#!/bin/sh\nPRE_COMMIT_RUNNING_LEGACY=1 "$0.ours" "$@" || exit $?\n{command}\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)


def _listed(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "show", f"{rev}:.sessions/{INDEX_NAME}")


def _exports(repo: Path, rev: str = "HEAD") -> set[str]:
    names = git(repo, "ls-tree", "--name-only", f"{rev}:.sessions").split()
    return {name for name in names if name.startswith("session_") and name != INDEX_NAME}


def test_an_export_staged_during_the_commit_is_indexed_in_it(hooked):
    ours = new(hooked, "Ours", "--date", "2026-01-02")
    theirs = new(hooked, "Theirs", "--date", "2026-01-03")
    _stage_after_our_hook(hooked, f"git add .sessions/{theirs.name}")
    git(hooked, "add", f".sessions/{ours.name}")
    before = git(hooked, "rev-parse", "HEAD").strip()

    done = sess_git_commit(hooked)

    assert done.returncode == 0, done.stderr
    assert _exports(hooked) == {ours.name, theirs.name}, done.stderr  # git took theirs in
    assert ours.name in _listed(hooked) and theirs.name in _listed(hooked), done.stderr
    assert "another process staged .sessions/" + theirs.name in done.stderr
    assert "regenerated the session index in the commit just made" in done.stderr
    assert git(hooked, "log", "-1", "--format=%s").strip() == "Add session: Ours"
    # one commit, rebuilt in place: its parent is the commit before
    assert git(hooked, "rev-parse", "HEAD~").strip() == before
    # the staging area follows, so the next commit does not undo it
    assert git(hooked, "diff", "--cached", "--name-only", "HEAD").strip() == ""
    assert sess(hooked, "index", "--check").code == 0


def test_an_export_staged_during_git_sess_commit_is_indexed_in_it(hooked):
    ours = new(hooked, "Ours", "--date", "2026-01-02")
    theirs = new(hooked, "Theirs", "--date", "2026-01-03")
    git(hooked, "add", "-A")
    git(hooked, "commit", "-q", "-m", "both")
    ours.write_text(ours.read_text() + "\nMore.\n")
    theirs.write_text(theirs.read_text().replace("status: in-progress", "status: complete"))
    _stage_after_our_hook(hooked, f"git add .sessions/{theirs.name}")

    done = sess(hooked, "commit", ours.stem)

    assert done.code == 0, done.err
    assert set(git(hooked, "diff", "--name-only", "HEAD~", "HEAD").split()) == {
        f".sessions/{INDEX_NAME}",
        f".sessions/{ours.name}",
        f".sessions/{theirs.name}",
    }
    assert sess(hooked, "index", "--check").code == 0
    assert "complete" in next(line for line in _listed(hooked).splitlines() if theirs.stem in line)


def test_an_export_staged_during_a_commit_of_other_files_is_indexed_in_it(hooked):
    theirs = new(hooked, "Theirs", "--date", "2026-01-03")
    _stage_after_our_hook(hooked, f"git add .sessions/{theirs.name}")
    (hooked / "code.txt").write_text("code\n")
    git(hooked, "add", "code.txt")
    before = git(hooked, "rev-parse", "HEAD").strip()

    done = sess_git_commit(hooked)

    assert done.returncode == 0, done.stderr
    assert _exports(hooked) == {theirs.name}, done.stderr
    assert theirs.name in _listed(hooked), done.stderr
    assert "another process staged .sessions/" + theirs.name in done.stderr
    assert git(hooked, "rev-parse", "HEAD~").strip() == before
    assert git(hooked, "diff", "--cached", "--name-only", "HEAD").strip() == ""


def _commit_on_top_before_our_post_commit(repo: Path) -> None:
    """Another process commits on HEAD between git's commit and our post-commit
    hook (a commit without hooks, of a code file): HEAD is then not ours."""
    hooks = repo / ".git" / "hooks"
    (hooks / "post-commit").rename(hooks / "post-commit.ours")
    wrapper = hooks / "post-commit"
    other = (
        "env -u GIT_INDEX_FILE sh -c 'echo more >> code.txt && git add code.txt"
        ' && git -c core.hooksPath=/dev/null commit -q -m "code by another"\''
    )
    wrapper.write_text(f'#!/bin/sh\n{other}\nexec "$0.ours" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)


def test_a_raced_commit_is_rebuilt_when_another_landed_on_it_first(hooked):
    ours = new(hooked, "Ours", "--date", "2026-01-02")
    theirs = new(hooked, "Theirs", "--date", "2026-01-03")
    _stage_after_our_hook(hooked, f"git add .sessions/{theirs.name}")
    _commit_on_top_before_our_post_commit(hooked)
    git(hooked, "add", f".sessions/{ours.name}")
    before = git(hooked, "rev-parse", "HEAD").strip()

    done = sess_git_commit(hooked)

    assert done.returncode == 0, done.stderr
    assert "regenerated the session index in the 2 commits just made" in done.stderr
    assert git(hooked, "log", "-2", "--format=%s").split("\n")[:2] == [
        "code by another",
        "Add session: Ours",
    ]
    for rev in ("HEAD", "HEAD~"):  # both hold the stale index no more
        assert _exports(hooked, rev) == {ours.name, theirs.name}
        assert theirs.name in _listed(hooked, rev), rev
    assert git(hooked, "rev-parse", "HEAD~2").strip() == before
    assert git(hooked, "diff", "--cached", "--name-only", "HEAD").strip() == ""


def test_an_amend_of_a_session_commit_is_not_taken_for_a_race(hooked):
    ours = new(hooked, "Ours", "--date", "2026-01-02")
    git(hooked, "add", "-A")
    git(hooked, "commit", "-q", "-m", "Add session: Ours")
    (hooked / "code.txt").write_text("code\n")
    git(hooked, "add", "code.txt")
    (hooked / "code.txt").write_text("more code\n")

    done = subprocess.run(
        ["git", "commit", "-q", "-a", "--amend", "--no-edit"],
        cwd=hooked,
        capture_output=True,
        text=True,
    )

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert ours.name in _listed(hooked)
    assert "git-sess" not in git(hooked, "reflog", "-1", "--format=%gs")


def test_a_commit_nobody_raced_is_left_as_git_made_it(hooked):
    ours = new(hooked, "Ours", "--date", "2026-01-02")
    _stage_after_our_hook(hooked, "true")
    git(hooked, "add", f".sessions/{ours.name}")

    done = sess_git_commit(hooked)

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "git-sess: session index" not in git(hooked, "reflog", "-1", "--format=%gs")
    assert ours.name in _listed(hooked)


def test_a_change_staged_during_the_commit_outside_the_exports_needs_no_rebuild(hooked):
    ours = new(hooked, "Ours", "--date", "2026-01-02")
    notes = hooked / ".sessions" / "checkpoints"
    notes.mkdir(exist_ok=True)
    (notes / "later.md").write_text("---\ntitle: Later\n---\n")
    _stage_after_our_hook(hooked, "git add .sessions/checkpoints/later.md")
    git(hooked, "add", f".sessions/{ours.name}")
    head = git(hooked, "rev-parse", "HEAD").strip()

    done = sess_git_commit(hooked)

    assert done.returncode == 0, done.stderr
    assert "regenerated" not in done.stderr and "another process" not in done.stderr
    assert git(hooked, "rev-parse", "HEAD~").strip() == head
    assert "commit" in git(hooked, "reflog", "-1", "--format=%gs")  # git's own, not ours
    assert ".sessions/checkpoints/later.md" in git(hooked, "ls-tree", "-r", "--name-only", "HEAD")


def sess_git_commit(repo: Path) -> subprocess.CompletedProcess[str]:
    """`git commit -m`, its stderr kept (what the hooks said)."""
    args = ["git", "commit", "-q", "-m", "Add session: Ours"]
    return subprocess.run(args, cwd=repo, capture_output=True, text=True)
