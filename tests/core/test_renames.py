"""Renames as a git user meets them: `git sess mv` stages what it changed and nothing
else, so the next `git commit` (hooks or none) records a consistent rename; `update
--title` keeps the heading in step and names the file with --rename; a link another
branch still makes to the old name is named by `check` after the merge, with its fix."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from builders import git_commit, new, session_name
from conftest import assert_refused, copy_hooked, git, hooked_build, sess

INDEX = ".sessions/session_index.md"
BASE = session_name("base_work", "2026-01-01")
FOUNDATION = session_name("foundation", "2026-01-01")
NEXT = session_name("next_step", "2026-01-02")
LATER = session_name("later_step", "2026-01-03")
NOTES = session_name("notes", "2026-01-04")
# What `mv` and `update --rename` both print first for base_work renamed Foundation.
RENAMED = [
    f"renamed .sessions/{BASE} -> .sessions/{FOUNDATION}",
    f"rewrote the link in .sessions/{LATER}",
    f"rewrote the link in .sessions/{NEXT}",
]


def porcelain(repo: Path) -> list[str]:
    return git(repo, "status", "--porcelain").splitlines()


def staged(repo: Path, name: str) -> str:
    return git(repo, "show", f":.sessions/{name}")


def committed(repo: Path, name: str, rev: str = "HEAD") -> str:
    return git(repo, "show", f"{rev}:.sessions/{name}")


def linked_sessions(repo: Path) -> Path:
    """base ← next (requires), base ← later (continues), notes mention base in their body:
    all written by `git sess new`, committed."""
    new(repo, "Base work", "--date", "2026-01-01")
    new(repo, "Next step", "--date", "2026-01-02", "--requires", "base_work")
    new(repo, "Later step", "--date", "2026-01-03", "--continues", "base_work")
    notes = new(repo, "Notes", "--date", "2026-01-04")
    notes.write_text(notes.read_text() + f"\nSee {BASE.removesuffix('.md')} for the start.\n")
    git(repo, "add", "-A")
    assert git_commit(repo, "-m", "sessions").returncode == 0
    return repo


@pytest.fixture(scope="module")
def linked_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`git sess init` with its hooks, and the linked sessions, committed: once a module."""
    with hooked_build(tmp_path_factory) as repo:
        return linked_sessions(repo)


@pytest.fixture
def hooked(linked_template: Path, tmp_path: Path) -> Path:
    return copy_hooked(linked_template, tmp_path)


@pytest.fixture
def linked(sessions: Path) -> Path:
    """The linked sessions without hooks: what a teammate's clone has."""
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "Set up sessions")
    return linked_sessions(sessions)


# --- mv stages what it changed --------------------------------------------------------------


def test_mv_stages_the_rename_links_mentions_and_index_and_the_hooks_commit_it(hooked):
    result = sess(hooked, "mv", "base_work", "Foundation", "--text")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        *RENAMED,
        f"rewrote mentions in .sessions/{NOTES}",
        "staged all of it (git commit records it)",
    ]
    assert sorted(porcelain(hooked)) == sorted(
        [
            f"R  .sessions/{BASE} -> .sessions/{FOUNDATION}",
            f"M  .sessions/{NEXT}",
            f"M  .sessions/{LATER}",
            f"M  .sessions/{NOTES}",
            f"M  {INDEX}",
        ]
    )
    done = git_commit(hooked)  # the hooks check the staged tree and write the message
    assert done.returncode == 0, done.stderr
    assert porcelain(hooked) == []
    assert "Foundation" in git(hooked, "log", "-1", "--format=%B")
    follow = git(hooked, "log", "--follow", "--format=%s", "--", f".sessions/{FOUNDATION}")
    assert len(follow.splitlines()) == 2  # the rename, and the commit that added it
    assert f"prerequisite_sessions: [{FOUNDATION}]" in committed(hooked, NEXT)
    assert f"See {FOUNDATION.removesuffix('.md')} for" in committed(hooked, NOTES)
    index = committed(hooked, "session_index.md")
    assert FOUNDATION in index and BASE not in index
    assert sess(hooked, "check").code == 0


def test_a_commit_right_after_mv_without_hooks_is_consistent_in_a_fresh_clone(linked, tmp_path):
    assert sess(linked, "mv", "base_work", "Foundation").code == 0
    assert git_commit(linked, "-m", "Rename base").returncode == 0  # no hook to fix anything
    assert porcelain(linked) == []
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(linked), str(clone))
    for command in (("check",), ("index", "--check")):
        result = sess(clone, *command)
        assert result.code == 0, (command, result.out, result.err)


def test_mv_leaves_the_users_own_edits_where_they_were(hooked):
    """An edit staged stays staged, one not staged stays out of the staging area, in the
    renamed session and in one that links to it; only the rename's edits are added."""
    sessions_dir = hooked / ".sessions"
    own = sessions_dir / BASE
    own.write_text(own.read_text() + "An edit not staged.\n")
    linking = sessions_dir / NEXT
    linking.write_text(linking.read_text().replace("in-progress", "blocked", 1))
    git(hooked, "add", f".sessions/{NEXT}")  # staged by the user
    linking.write_text(linking.read_text() + "Another edit, not staged.\n")
    before_next = staged(hooked, NEXT)

    result = sess(hooked, "mv", "base_work", "Foundation")
    assert result.code == 0, result.err
    for name in (FOUNDATION, NEXT):
        assert (
            f"staged only the rename's edits of .sessions/{name}; the changes you had not"
            " staged stay unstaged"
        ) in result.err
    assert "staged all of it" not in result.out
    # The staging area: the user's staged edit and the rename's, not the rest.
    assert staged(hooked, NEXT) == before_next.replace(BASE, FOUNDATION)
    assert "status: blocked" in staged(hooked, NEXT)
    assert "Another edit" not in staged(hooked, NEXT)
    assert "title: Foundation\n" in staged(hooked, FOUNDATION)
    assert "# Session: Foundation\n" in staged(hooked, FOUNDATION)
    assert "An edit not staged." not in staged(hooked, FOUNDATION)
    # The work tree: everything.
    assert "An edit not staged.\n" in (sessions_dir / FOUNDATION).read_text()
    assert "Another edit, not staged.\n" in linking.read_text()
    assert FOUNDATION in linking.read_text()

    assert git_commit(hooked).returncode == 0
    assert "An edit not staged." not in committed(hooked, FOUNDATION)
    assert "Another edit" not in committed(hooked, NEXT)
    assert sorted(porcelain(hooked)) == [f" M .sessions/{FOUNDATION}", f" M .sessions/{NEXT}"]


def test_mv_of_a_session_never_added_stages_nothing_of_it(linked):
    draft = new(linked, "Draft", "--date", "2026-01-05")  # untracked; the index not staged
    result = sess(linked, "mv", "draft", "Sketch")
    assert result.code == 0, result.err
    sketch = session_name("sketch", "2026-01-05")
    assert not draft.exists() and (linked / ".sessions" / sketch).is_file()
    assert f"note: .sessions/{sketch} is not tracked by git" in result.err
    assert git(linked, "diff", "--cached", "--name-only") == ""  # as git mv would not
    assert f"?? .sessions/{sketch}" in porcelain(linked)


def test_mv_of_a_session_added_but_never_committed_stays_added_under_its_new_name(linked):
    new(linked, "Draft", "--date", "2026-01-05")
    git(linked, "add", "-A")
    assert sess(linked, "mv", "draft", "Sketch").code == 0
    sketch = session_name("sketch", "2026-01-05")
    assert f"A  .sessions/{sketch}" in porcelain(linked)
    assert "title: Sketch\n" in staged(linked, sketch)
    assert sketch in staged(linked, "session_index.md")
    assert session_name("draft", "2026-01-05") not in staged(linked, "session_index.md")


def test_mv_to_the_same_name_stages_the_new_title(linked):
    result = sess(linked, "mv", "base_work", "BASE WORK")
    assert result.code == 0, result.err
    assert porcelain(linked) == [f"M  .sessions/{BASE}", f"M  {INDEX}"]
    assert "# Session: BASE WORK\n" in staged(linked, BASE)


def test_mv_refuses_while_a_file_it_would_change_has_merge_conflicts(linked):
    git(linked, "checkout", "-q", "-b", "theirs")
    path = linked / ".sessions" / NEXT
    path.write_text(path.read_text() + "Theirs.\n")
    git(linked, "commit", "-q", "-am", "theirs")
    git(linked, "checkout", "-q", "main")
    path.write_text(path.read_text() + "Ours.\n")
    git(linked, "commit", "-q", "-am", "ours")
    assert subprocess.run(["git", "merge", "-q", "theirs"], cwd=linked).returncode != 0
    conflicts = git(linked, "ls-files", "-u")
    assert_refused(
        linked,
        ("mv", "base_work", "Foundation"),
        f".sessions/{NEXT} has unresolved merge conflicts",
        f"git add .sessions/{NEXT}",
    )
    assert git(linked, "ls-files", "-u") == conflicts


# --- update --title ---------------------------------------------------------------------


def test_update_title_keeps_the_heading_in_step_and_says_how_to_rename(linked):
    result = sess(linked, "update", "base_work", "--title", "Foundation")
    assert result.code == 0, result.err
    assert result.out == f"updated .sessions/{BASE}: title (and the heading)\n"
    assert result.err == (
        "hint: the file name still says the old title; rename it (links follow):"
        " git sess mv session_20260101_base_work Foundation\n"
    )
    text = (linked / ".sessions" / BASE).read_text()
    assert "title: Foundation\n" in text and "# Session: Foundation\n" in text
    assert git(linked, "diff", "--cached") == ""  # update writes the work tree only
    # The command in the hint does what it says.
    result = sess(linked, "mv", "session_20260101_base_work", "Foundation")
    assert result.code == 0, result.err
    assert (linked / ".sessions" / FOUNDATION).is_file()


def test_update_title_leaves_a_heading_that_says_something_else(linked):
    path = linked / ".sessions" / BASE
    path.write_text(path.read_text().replace("# Session: Base work", "# Where it began"))
    result = sess(linked, "update", "base_work", "--title", "Base work, first part")
    assert result.code == 0, result.err
    assert result.out == f"updated .sessions/{BASE}: title\n"
    assert "# Where it began\n" in path.read_text()
    assert "title: Base work, first part\n" in path.read_text()
    assert "git sess mv session_20260101_base_work 'Base work, first part'" in result.err


def test_update_title_that_names_the_same_file_gives_no_hint(linked):
    result = sess(linked, "update", "base_work", "--title", "BASE   work")
    assert result.code == 0, result.err
    assert result.err == ""
    assert "# Session: BASE work\n" in (linked / ".sessions" / BASE).read_text()


def test_update_title_rename_renames_stages_and_writes_the_rest_in_place(linked):
    result = sess(
        linked, "update", "base_work", "--title", "Foundation", "--status", "complete", "--rename"
    )
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        *RENAMED,
        f"updated .sessions/{FOUNDATION}: status, title",
    ]
    text = (linked / ".sessions" / FOUNDATION).read_text()
    assert "title: Foundation\n" in text and "# Session: Foundation\n" in text
    assert "status: complete\n" in text
    # The rename is staged as mv stages it; the status, written as update writes, is not.
    assert "status: in-progress\n" in staged(linked, FOUNDATION)
    assert "title: Foundation\n" in staged(linked, FOUNDATION)
    assert f"RM .sessions/{BASE} -> .sessions/{FOUNDATION}" in porcelain(linked)
    assert sess(linked, "check").code == 0


def test_update_rename_alone_names_the_file_by_the_title_it_has(linked):
    assert sess(linked, "update", "base_work", "--title", "Foundation").code == 0
    result = sess(linked, "update", "base_work", "--rename")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == f"renamed .sessions/{BASE} -> .sessions/{FOUNDATION}"
    assert "updated" not in result.out  # the title was already the one asked for
    assert sess(linked, "check").code == 0
    result = sess(linked, "update", "foundation", "--rename")
    assert result.out == f".sessions/{FOUNDATION} already says that; nothing changed\n"


def test_update_rename_onto_an_existing_name_writes_nothing(linked):
    new(linked, "Foundation", "--date", "2026-01-01")
    assert_refused(
        linked,
        ("update", "base_work", "--status", "complete", "--title", "Foundation", "--rename"),
        f".sessions/{FOUNDATION} already exists",
    )


# --- a rename another branch does not know of --------------------------------------------


def test_check_names_links_to_a_session_renamed_on_another_branch_with_the_fix(hooked):
    """main renames base while a branch adds sessions that link to its old name: the merge
    is refused by the hook, check names each link and where its session went, and the
    commands in the hints mend them."""
    main = git(hooked, "branch", "--show-current").strip()
    git(hooked, "checkout", "-q", "-b", "feature")
    new(hooked, "Extension", "--date", "2026-01-05", "--requires", "base_work")
    new(hooked, "Sequel", "--date", "2026-01-06", "--continues", "later_step")
    later = hooked / ".sessions" / session_name("sequel", "2026-01-06")
    later.write_text(later.read_text().replace(LATER, BASE))  # continues base instead
    git(hooked, "add", "-A")
    assert git_commit(hooked, "-m", "extend").returncode == 0, "the branch commits"
    git(hooked, "checkout", "-q", main)
    assert sess(hooked, "mv", "base_work", "Foundation").code == 0
    assert git_commit(hooked, "-m", "rename").returncode == 0

    merge = subprocess.run(
        ["git", "merge", "--no-edit", "feature"], cwd=hooked, text=True, capture_output=True
    )
    assert merge.returncode != 0  # the pre-merge-commit hook names the links
    assert "git sess check" in merge.stderr
    assert f"which was renamed to {FOUNDATION}" in merge.stderr
    result = sess(hooked, "check")
    assert result.code == 1
    extension, sequel = (
        session_name("extension", "2026-01-05"),
        session_name("sequel", "2026-01-06"),
    )
    lines = result.out.splitlines()
    expected = [
        f"error: .sessions/{extension}:7: prerequisite_sessions names '{BASE}',"
        f" which was renamed to {FOUNDATION}",
        f"  hint: point it there: git sess unlink {extension} --requires {BASE}"
        f" && git sess link {extension} --requires {FOUNDATION}",
        f"error: .sessions/{sequel}:8: continuation_of names '{BASE}',"
        f" which was renamed to {FOUNDATION}",
        f"  hint: point it there: git sess update {sequel} --continues {FOUNDATION}",
    ]
    assert lines[:4] == expected, result.out
    for hint in (lines[1], lines[3]):
        command = hint.split("point it there: ", 1)[1]
        for part in command.split(" && "):
            assert sess(hooked, *part.split()[2:]).code == 0, part
    assert sess(hooked, "check").code == 0
    git(hooked, "add", "-A")
    done = git_commit(hooked, "--no-edit")
    assert done.returncode == 0, done.stderr
    assert len(git(hooked, "log", "-1", "--format=%P").split()) == 2  # the merge, made


def test_a_link_to_a_session_deleted_not_renamed_keeps_the_plain_hint(linked):
    git(linked, "rm", "-q", f".sessions/{BASE}")
    git(linked, "commit", "-q", "-m", "drop base")
    result = sess(linked, "check")
    assert result.code == 1
    assert f"prerequisite_sessions names '{BASE}', which does not exist" in result.out
    assert "renamed" not in result.out


def test_an_export_committed_on_a_detached_head(hooked):
    git(hooked, "checkout", "-q", "--detach")
    new(hooked, "Detached work", "--date", "2026-01-06")
    git(hooked, "add", ".sessions")
    done = git_commit(hooked)
    assert done.returncode == 0, done.stderr
    assert git(hooked, "log", "-1", "--format=%s").strip() == "Add session: Detached work"
    detached = session_name("detached_work", "2026-01-06")
    assert detached in committed(hooked, "session_index.md")
    assert porcelain(hooked) == []
    result = sess(hooked, "status")
    assert f"(.sessions/{detached})" in result.out, result.out
