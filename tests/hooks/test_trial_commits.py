"""What a new user's trial of issue 18 found on the commit side: `git sess commit`
right after `init` leaving init's setup untracked, the messages of removed and
renamed exports, and hooks that run through husky."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import TEMPLATE_BODY, git_commit, husky_stubs, new
from conftest import git, init_repository, sess

from gitsess.hooks.commits import _setup_changes
from gitsess.hooks.install import HOOKS

CONTEXT = ".sessions/CONTEXT_MANAGEMENT.md"
DOCUMENTED = f"Add session: Root\n\n{TEMPLATE_BODY}\n"


def committed(repo: Path, rev: str = "HEAD") -> list[str]:
    return git(repo, "show", "--name-only", "--format=", rev).split()


def plain_commit(repo: Path) -> None:
    """`git commit` with the message left to the hooks, the editor keeping it."""
    done = git_commit(repo)
    assert done.returncode == 0, done.stderr


# --- git sess commit after init ------------------------------------------------------------


@pytest.mark.parametrize("born", [True, False], ids=["after-a-commit", "first-commit"])
def test_sess_commit_after_init_commits_its_setup_for_every_clone(tmp_path: Path, born: bool):
    repo = init_repository(tmp_path / "repo") if born else tmp_path / "repo"
    if not born:
        repo.mkdir()
        git(repo, "init", "-q")
    assert sess(repo, "init").code == 0
    new(repo, "Root")

    result = sess(repo, "commit")

    assert result.code == 0, result.err
    assert result.out.endswith(f"1 file(s), with git sess init's {CONTEXT} and .gitattributes\n"), (
        result.out
    )
    assert result.err == ""
    assert git(repo, "log", "-1", "--format=%B") == DOCUMENTED  # as a plain git commit has it
    assert {".gitattributes", CONTEXT} <= set(committed(repo))
    assert git(repo, "status", "--porcelain") == ""
    # A teammate's clone gets the merge attribute, and nothing is left in a pull's way.
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    attribute = git(clone, "check-attr", "merge", ".sessions/session_index.md")
    assert attribute.strip().endswith("merge: git-sess-index")


def test_sess_commit_without_hooks_commits_the_context_file(repo: Path):
    assert sess(repo, "init", "--no-hooks").code == 0  # no merge driver: no .gitattributes
    new(repo, "Root")
    result = sess(repo, "commit")
    assert result.code == 0, result.err
    assert result.out.endswith(f"1 file(s), with git sess init's {CONTEXT}\n"), result.out
    assert git(repo, "log", "-1", "--format=%B") == DOCUMENTED
    assert git(repo, "status", "--porcelain") == ""


def test_sess_commit_leaves_gitattributes_with_changes_of_the_users_own(repo: Path):
    (repo / ".gitattributes").write_text("*.png binary\n")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "attributes")
    assert sess(repo, "init").code == 0
    with open(repo / ".gitattributes", "a") as handle:
        handle.write("*.bin binary\n")  # beside init's lines, a line of the user's own
    new(repo, "Root")

    result = sess(repo, "commit")

    assert result.code == 0, result.err
    assert result.err == (
        "git-sess: note: .gitattributes was left out: it changes more than git sess's"
        " merge-driver lines; to commit it: git add .gitattributes && git commit\n"
    )
    assert ".gitattributes" not in committed(repo) and CONTEXT in committed(repo)
    assert git(repo, "log", "-1", "--format=%B") == DOCUMENTED
    assert git(repo, "status", "--porcelain") == " M .gitattributes\n"  # as the user left it


def test_sess_commit_stays_out_of_setup_once_it_is_committed(repo: Path):
    assert sess(repo, "init").code == 0
    new(repo, "Root")
    assert sess(repo, "commit").code == 0
    with open(repo / CONTEXT, "a") as handle:
        handle.write("A note of the team's own.\n")
    with open(repo / ".gitattributes", "a") as handle:
        handle.write("*.bin binary\n")  # no merge-driver line pending: not init's
    new(repo, "Second")

    result = sess(repo, "commit")

    assert result.code == 0, result.err
    assert result.out.endswith("] 1 file(s)\n") and result.err == ""
    second = git(repo, "ls-files", ".sessions/*second.md").strip()
    assert sorted(committed(repo)) == [second, ".sessions/session_index.md"]
    assert sorted(git(repo, "status", "--porcelain").splitlines()) == [
        " M .gitattributes",
        f" M {CONTEXT}",
    ]


def test_sess_commit_takes_setup_the_user_already_staged(repo: Path):
    assert sess(repo, "init").code == 0
    new(repo, "Root")
    git(repo, "add", ".gitattributes")  # as init's next: line suggests, in part
    result = sess(repo, "commit")  # not "other changes are already staged"
    assert result.code == 0, result.err
    assert {".gitattributes", CONTEXT} <= set(committed(repo))
    assert git(repo, "log", "-1", "--format=%B") == DOCUMENTED
    assert git(repo, "status", "--porcelain") == ""


def test_a_file_that_adds_driver_lines_and_more_is_setup_but_not_alone():
    diff = (
        "diff --git a/.gitattributes b/.gitattributes\n"
        "--- a/.gitattributes\n+++ b/.gitattributes\n@@ -1,0 +2,3 @@\n"
        "+*.bin binary\n"
        "+# git-sess: merges the session index without conflicts\n"
        "+/.sessions/session_index.md merge=git-sess-index\n"
    )
    assert _setup_changes(diff, CONTEXT) == {".gitattributes": False}
    users_only = diff.split("+# git-sess")[0]
    assert _setup_changes(users_only, CONTEXT) == {}


# --- messages of removed and renamed exports ---------------------------------------------------


@pytest.fixture
def hooked(repo: Path) -> Path:
    assert sess(repo, "init").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Set up session notes")
    return repo


def test_a_removed_export_is_named_by_its_title(hooked: Path):
    spike = new(hooked, "Obsolete spike")
    others = [new(hooked, "Dead end"), new(hooked, "Wrong turn")]
    git(hooked, "add", "-A")
    plain_commit(hooked)
    git(hooked, "rm", "-q", str(spike))
    plain_commit(hooked)
    assert git(hooked, "log", "-1", "--format=%B") == "Remove session: Obsolete spike\n\n"
    git(hooked, "rm", "-q", *map(str, others))
    plain_commit(hooked)
    assert git(hooked, "log", "-1", "--format=%B").strip().splitlines() == [
        "Remove 2 sessions",
        "",
        "- Remove session: Dead end",
        "- Remove session: Wrong turn",
    ]


def test_a_rename_that_keeps_the_title_names_the_files(hooked: Path):
    path = new(hooked, "Draft")
    assert sess(hooked, "commit").code == 0
    assert sess(hooked, "update", path.name, "--title", "Parser design").code == 0
    assert sess(hooked, "commit").code == 0
    assert git(hooked, "log", "-1", "--format=%s") == "Update session: Parser design\n"
    result = sess(hooked, "update", path.name, "--rename")  # the file catches up
    assert result.code == 0, result.err
    assert sess(hooked, "commit").code == 0
    renamed = path.name.replace("draft", "parser_design")
    assert git(hooked, "log", "-1", "--format=%s") == (
        f"Rename session: Parser design ({path.name} → {renamed})\n"
    )
    assert sess(hooked, "mv", renamed, "Parser notes").code == 0  # a new title: by titles
    assert sess(hooked, "commit").code == 0
    assert git(hooked, "log", "-1", "--format=%s") == (
        "Rename session: Parser design → Parser notes\n"
    )


# --- hooks that run through husky ---------------------------------------------------------


def husky(repo: Path) -> Path:
    """husky >= 9's layout, with a stub in .husky/_ for every hook git-sess has."""
    stubs = husky_stubs(repo, HOOKS)
    (repo / ".husky" / "pre-commit").write_text('echo "husky pre-commit: lint ok"\n')
    git(repo, "config", "core.hooksPath", ".husky/_")
    return stubs


CALLED = ("pre-commit", "prepare-commit-msg", "pre-merge-commit", "post-commit", "post-merge",
          "post-rewrite")  # fmt: skip


def test_hooks_status_and_init_see_our_hooks_running_through_husky(repo: Path):
    stubs = husky(repo)
    assert sess(repo, "init").code == 0  # the merge driver, and the lines to add
    listed = sorted(path.name for path in stubs.iterdir())
    assert all(state == "foreign" for state in _states(repo).values())
    note = sess(repo, "list").err.splitlines()
    assert note[1].startswith('hint: add git sess hook pre-commit "$@" to .husky/pre-commit,')
    assert "git sess init" not in note[1]  # it would only print the lines again

    for hook in CALLED:
        with open(repo / ".husky" / hook, "a") as handle:
            handle.write(f'git sess hook {hook} "$@"\n')

    assert _states(repo) == {
        "pre-commit": "foreign, running ours",
        "prepare-commit-msg": "foreign, running ours",
        "commit-msg": "foreign",
        "pre-merge-commit": "foreign, running ours",
        "post-commit": "foreign, running ours",
        "post-merge": "foreign, running ours",
        "post-checkout": "foreign",
        "post-rewrite": "foreign, running ours",
    }
    git(repo, "config", "--remove-section", "merge.git-sess-index")  # as in a teammate's clone
    init = sess(repo, "init")
    assert init.code == 0 and init.err == "", init.err  # nothing left to add: no warning
    assert "configured merge.git-sess-index.driver" in init.out
    assert sorted(path.name for path in stubs.iterdir()) == listed  # nothing written there
    new(repo, "Husky export")
    git(repo, "add", "-A")
    plain_commit(repo)  # the message and index come through husky
    assert git(repo, "log", "-1", "--format=%s") == "Add session: Husky export\n"
    assert sess(repo, "list").err == ""


def test_a_hook_of_the_users_that_calls_ours_is_reported(repo: Path):
    assert sess(repo, "init").code == 0
    hooks = repo / ".git" / "hooks"
    (hooks / "post-merge").unlink()
    (hooks / "post-merge").write_text('#!/bin/sh\nmake deps\ngit-sess hook post-merge "$@"\n')
    (hooks / "post-checkout").unlink()
    (hooks / "post-checkout").write_text("#!/bin/sh\ngit sess hook post-merge\n")  # another's
    states = _states(repo)
    assert states["post-merge"] == "foreign, running ours"
    assert states["post-checkout"] == "foreign"
    assert states["pre-commit"] == "ours"


def _states(repo: Path) -> dict[str, str]:
    result = sess(repo, "hooks", "status")
    assert result.code == 0, result.err
    return dict(line.split(None, 1) for line in result.out.splitlines())
