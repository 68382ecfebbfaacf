"""A teammate's clone: it has the exports, the index and .gitattributes, but not
the hooks nor the merge driver, which live in .git/. Any command says so once a
day, `git sess init` in the clone sets both up, and merges then succeed (issue 18)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import husky_stubs, new
from conftest import assert_refused, git, init_repository, sess

INDEX = ".sessions/session_index.md"
STAMP = Path(".git") / "gitsess" / "hooks-notice"
QUIET = "to silence this note: git config sess.quiet true"
BOTH_MISSING = [
    "git-sess: note: this clone has no git-sess hooks and no merge driver: commits of"
    " exports get no index or message, and merges conflict on session_index.md",
    f"hint: git sess init ({QUIET})",
]
HOOKS_MISSING = [
    "git-sess: note: this clone has no git-sess hooks: commits of exports get no index or message",
    f"hint: git sess init ({QUIET})",
]


def noted(err: str) -> list[str]:
    """The note's lines in a command's stderr."""
    return [line for line in err.splitlines() if line.startswith(("git-sess: note:", "hint:"))]


def set_up_and_clone(tmp_path: Path) -> tuple[Path, Path]:
    """Repository A as its author keeps it (init with the hooks, one session
    committed), and B, a teammate's `git clone` of it."""
    origin = init_repository(tmp_path / "A")
    assert sess(origin, "init").code == 0
    new(origin, "First session")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "Set up session notes")
    git(tmp_path, "clone", "-q", str(origin), "B")
    return origin, tmp_path / "B"


def commit_new_session(repo: Path, branch: str, title: str) -> None:
    git(repo, "checkout", "-q", "-b", branch, "main")
    new(repo, title)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"Add session: {title}")


def test_a_teammates_clone_is_told_once_and_init_makes_its_merges_work(tmp_path: Path) -> None:
    origin, clone = set_up_and_clone(tmp_path)
    assert noted(sess(origin, "list").err) == []  # the author's clone has both

    first = sess(clone, "list")
    assert first.code == 0 and "First session" in first.out
    assert first.err.splitlines() == BOTH_MISSING
    again = sess(clone / ".sessions", "show", "first_session")
    assert (again.code, again.err) == (0, "")  # once: not on every command
    listed = sess(clone, "list", "--json")
    assert listed.err == ""
    assert [entry["title"] for entry in json.loads(listed.out)] == ["First session"]

    # What the note warns of: two branches that each added a session conflict
    # on the index, and check calls that a conflict, with the fix.
    commit_new_session(clone, "left", "Left work")
    commit_new_session(clone, "right", "Right work")
    merge = subprocess.run(["git", "merge", "-q", "left"], cwd=clone, capture_output=True)
    assert merge.returncode != 0
    checked = sess(clone, "check")
    assert checked.code == 1
    assert f"error: {INDEX}:" in checked.out
    assert "conflicted: a merge left it unmerged (both modified)" in checked.out
    assert f"hint: resolve it now: git sess index && git add {INDEX}; git sess init" in checked.out
    git(clone, "merge", "--abort")

    init = sess(clone, "init")
    assert init.code == 0, init.err
    assert "installed pre-commit" in init.out
    assert "configured merge.git-sess-index.driver" in init.out
    assert noted(init.err) == []
    assert noted(sess(clone, "list").err) == []

    merge = subprocess.run(["git", "merge", "-q", "--no-edit", "left"], cwd=clone, text=True,
                           capture_output=True)  # fmt: skip
    assert merge.returncode == 0, merge.stdout + merge.stderr
    index = (clone / INDEX).read_text(encoding="utf-8")
    assert "Left work" in index and "Right work" in index and "First session" in index
    assert git(clone, "status", "--porcelain") == ""
    assert sess(clone, "check").code == 0
    assert sess(clone, "index", "--check").code == 0


def test_the_note_comes_back_the_next_day_and_for_another_problem(tmp_path: Path) -> None:
    _, clone = set_up_and_clone(tmp_path)
    assert noted(sess(clone, "list").err) == BOTH_MISSING
    assert noted(sess(clone, "list").err) == []
    yesterday = time.time() - 86400
    os.utime(clone / STAMP, (yesterday, yesterday))
    assert noted(sess(clone, "list").err) == BOTH_MISSING
    assert noted(sess(clone, "list").err) == []

    # The hooks set up, then the pre-commit hook lost: said at once, not tomorrow.
    assert sess(clone, "init").code == 0
    (clone / ".git" / "hooks" / "pre-commit").unlink()
    assert noted(sess(clone, "list").err) == HOOKS_MISSING


def test_sess_quiet_silences_it_wherever_it_is_set(tmp_path: Path) -> None:
    _, clone = set_up_and_clone(tmp_path)
    done = subprocess.run(["git", "-c", "sess.quiet=true", "sess", "list"], cwd=clone,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    git(clone, "config", "--global", "sess.quiet", "yes")
    assert sess(clone, "list").err == ""
    git(clone, "config", "--global", "--unset", "sess.quiet")
    git(clone, "config", "sess.quiet", "true")
    assert sess(clone, "list").err == ""
    git(clone, "config", "sess.quiet", "false")
    assert noted(sess(clone, "list").err) == BOTH_MISSING


def test_never_on_setup_help_version_or_the_hook_paths(tmp_path: Path) -> None:
    _, clone = set_up_and_clone(tmp_path)
    for args in (
        ("--version",),
        ("--help",),
        ("-h",),
        ("list", "--help"),
        ("hooks", "status"),
        ("--debug", "hooks", "status"),
    ):
        result = sess(clone, *args)
        assert (result.code, noted(result.err)) == (0, []), args
    event = {"hook_event_name": "SessionStart", "cwd": str(clone), "source": "startup"}
    hook = subprocess.run(["git-sess", "hook", "claude", "SessionStart"], cwd=clone,
                          input=json.dumps(event), capture_output=True, text=True)  # fmt: skip
    assert (hook.returncode, hook.stderr) == (0, "")
    assert isinstance(json.loads(hook.stdout), dict)  # its output is valid JSON only
    line = subprocess.run(["git-sess", "statusline"], cwd=clone, input=json.dumps(event),
                          capture_output=True, text=True)  # fmt: skip
    assert (line.returncode, line.stderr) == (0, "") and line.stdout.strip()
    failed = sess(clone, "show", "no_such_session")  # an error speaks alone
    assert failed.code == 1 and "note:" not in failed.err
    # None of these used up today's note.
    assert noted(sess(clone, "list").err) == BOTH_MISSING


def test_no_note_outside_a_repository_or_in_one_without_sessions(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    plain = init_repository(tmp_path / "plain")  # no hooks either, but no git-sess there
    for cwd in (outside, plain):
        result = sess(cwd, "assistant", "status")
        assert result.code == 0 and "note:" not in result.err, cwd


def test_init_no_hooks_and_uninstall_are_choices_it_respects(tmp_path: Path) -> None:
    _, clone = set_up_and_clone(tmp_path)
    assert sess(clone, "init", "--no-hooks").code == 0
    assert sess(clone, "list").err == ""
    assert sess(clone, "hooks", "install").code == 0
    assert sess(clone, "hooks", "uninstall").code == 0
    assert sess(clone, "list").err == ""
    # Installed again, the choice is forgotten: losing the hooks is said at once.
    assert sess(clone, "hooks", "install").code == 0
    git(clone, "config", "--unset", "merge.git-sess-index.driver")
    assert noted(sess(clone, "list").err) == [
        "git-sess: note: this clone has no merge driver for the session index: merges"
        " conflict on session_index.md",
        f"hint: git sess init ({QUIET})",
    ]


def test_a_linked_worktree_shares_its_clones_note_and_hooks(tmp_path: Path) -> None:
    _, clone = set_up_and_clone(tmp_path)
    git(clone, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "side")
    worktree = tmp_path / "wt"
    assert noted(sess(worktree, "list").err) == BOTH_MISSING
    assert noted(sess(clone, "list").err) == []  # the same clone: said once
    assert sess(worktree, "init").code == 0  # into the common directory's hooks
    assert (clone / ".git" / "hooks" / "pre-commit").is_file()
    os.utime(clone / STAMP, (0, 0))
    assert noted(sess(clone, "list").err) == []


# --- a foreign core.hooksPath ---------------------------------------------------------


def husky(repo: Path, user_hook: str) -> None:
    """husky >= 9's layout: core.hooksPath is .husky/_ (ignored by git), whose
    generated stubs run the user's committed .husky/<hook> through husky's `h`."""
    husky_stubs(repo, ["pre-commit"])
    (repo / ".husky" / "pre-commit").write_text(user_hook)
    git(repo, "add", ".husky")
    git(repo, "commit", "-q", "-m", "husky")
    git(repo, "config", "core.hooksPath", ".husky/_")


def test_husky_is_named_init_says_what_to_add_and_then_all_is_quiet(tmp_path: Path) -> None:
    _, clone = set_up_and_clone(tmp_path)
    husky(clone, "echo husky ran >&2\n")
    hint = (  # init writes nothing in husky's directory: the fix is the line to add
        'hint: add git sess hook pre-commit "$@" to .husky/pre-commit, and the same line for'
        " husky's other hooks (git sess hooks status shows which run git-sess)"
    )
    assert noted(sess(clone, "list").err) == [
        "git-sess: note: core.hooksPath is .husky/_ and its pre-commit does not run git-sess,"
        " and no merge driver: commits of exports get no index or message, and merges"
        " conflict on session_index.md",
        f"{hint}; git sess init sets up the merge driver; {QUIET}",
    ]
    init = sess(clone, "init")  # the merge driver; husky's directory is left as it is
    assert init.code == 0
    assert "core.hooksPath is .husky/_, husky's, which runs the hooks in .husky/" in init.err
    assert 'add to those hooks in .husky/ (pre-commit: git sess hook pre-commit "$@";' in init.err
    assert "configured merge.git-sess-index.driver" in init.out
    assert sorted(path.name for path in (clone / ".husky" / "_").iterdir()) == [
        ".gitignore",
        "h",
        "pre-commit",
    ]
    assert_refused(clone, ("hooks", "install"), "husky's", "git sess hook pre-commit")
    assert noted(sess(clone, "list").err) == [
        "git-sess: note: core.hooksPath is .husky/_ and its pre-commit does not run git-sess:"
        " commits of exports get no index or message",
        f"{hint}; {QUIET}",
    ]
    (clone / ".husky" / "pre-commit").write_text(
        'echo husky ran >&2\ngit sess hook pre-commit "$@"\n'
    )
    os.utime(clone / STAMP, (0, 0))
    assert sess(clone, "list").err == ""
    # It really runs both: husky's hook, and git-sess's, which commits the index.
    new(clone, "Under husky")
    git(clone, "add", ".sessions")
    done = subprocess.run(["git", "commit", "-q", "-m", "Add a session"], cwd=clone,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0 and "husky ran" in done.stderr, done.stderr
    assert "Under husky" in git(clone, "show", f"HEAD:{INDEX}")


def test_a_hook_manager_outside_the_repository_that_runs_git_sess(tmp_path: Path) -> None:
    _, clone = set_up_and_clone(tmp_path)
    manager = tmp_path / "my-hooks"
    manager.mkdir()
    git(clone, "config", "core.hooksPath", str(manager))
    init = sess(clone, "init")  # the merge driver, and what to add to the manager
    assert init.code == 0 and "hooks not installed" in init.err
    assert noted(sess(clone, "list").err)[0].startswith(
        f"git-sess: note: core.hooksPath is {manager} and its pre-commit does not run git-sess"
    )
    add = f'#!/bin/sh\n{sys.executable} -m gitsess.hooks pre-commit "$@"\n'
    (manager / "pre-commit").write_text(add)
    (manager / "pre-commit").chmod(0o755)
    assert sess(clone, "list").err == ""


def test_hooks_installed_in_a_hooks_path_inside_the_work_tree(tmp_path: Path) -> None:
    _, clone = set_up_and_clone(tmp_path)
    git(clone, "config", "core.hooksPath", ".githooks")
    assert sess(clone, "init").code == 0
    assert (clone / ".githooks" / "pre-commit").is_file()
    assert sess(clone, "list").err == ""


@pytest.fixture
def framework_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}


def framework_install(repo: Path, env: dict[str, str]) -> None:
    """`pre-commit install`, the real package."""
    framework = Path(sys.executable).parent / "pre-commit"
    subprocess.run([str(framework), "install"], cwd=repo, env=env, check=True, capture_output=True)


FRAMEWORK_CONFIG = """\
repos:
  - repo: local
    hooks:
      - id: git-sess
        name: git-sess
        entry: git-sess hook pre-commit
        language: system
        pass_filenames: false
        files: ^\\.sessions/
        stages: [pre-commit, pre-merge-commit]
"""


def test_the_pre_commit_framework_in_front_of_ours_or_instead_of_it(
    tmp_path: Path, framework_env: dict[str, str]
) -> None:
    _, clone = set_up_and_clone(tmp_path)
    assert sess(clone, "init").code == 0
    framework_install(clone, framework_env)  # moves our stub to pre-commit.legacy
    assert (clone / ".git" / "hooks" / "pre-commit.legacy").is_file()
    assert sess(clone, "list").err == ""

    (tmp_path / "other").mkdir()
    _, other = set_up_and_clone(tmp_path / "other")
    git(other, "config", "merge.git-sess-index.driver", "git sess hook merge-index %O %A %B %P")
    framework_install(other, framework_env)  # the framework alone: its config decides
    assert noted(sess(other, "list").err) == HOOKS_MISSING
    (other / ".pre-commit-config.yaml").write_text(FRAMEWORK_CONFIG)
    os.utime(other / STAMP, (0, 0))
    assert sess(other, "list").err == ""


def test_a_note_that_cannot_be_remembered_is_not_given(tmp_path: Path) -> None:
    """Where .git/gitsess/ cannot be written, it would be given on every command."""
    _, clone = set_up_and_clone(tmp_path)
    (clone / ".git" / "gitsess").write_text("not a directory\n")
    result = sess(clone, "list")
    assert (result.code, result.err) == (0, "")
    (clone / ".git" / "gitsess").unlink()
    assert noted(sess(clone, "list").err) == BOTH_MISSING
