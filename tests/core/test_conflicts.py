"""`git sess check` after a merge that git left unresolved: the index named as
a conflict (not merely out of date), an export both sides edited named with its
file and line, and what only git's staging area still knows (issue 18)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from builders import export
from conftest import git, sess

from gitsess.core.conflicts import kind, marker_line

INDEX = ".sessions/session_index.md"
SHARED = ".sessions/session_20260101_shared.md"
INDEX_HINT = (
    f"resolve it now: git sess index && git add {INDEX}; git sess init sets up the merge"
    " driver that merges the index without conflicts"
)


def problems(repo: Path) -> tuple[int, list[dict]]:
    result = sess(repo, "check", "--json")
    assert "Traceback" not in result.err, result.err
    return result.code, json.loads(result.out)["problems"]


def commit_all(repo: Path, message: str) -> None:
    assert sess(repo, "index").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def merge(repo: Path, branch: str) -> int:
    """`git merge BRANCH` into the current branch: its exit code (1 on a conflict)."""
    return subprocess.run(["git", "merge", "-q", branch], cwd=repo, capture_output=True).returncode


def diverge(repo: Path, ours: str, theirs: str) -> None:
    """Branch `theirs` from main, each side then changing the shared export's body."""
    export(repo, "session_20260101_shared.md", "Shared", body="Base.")
    commit_all(repo, "base")
    git(repo, "checkout", "-q", "-b", "theirs")
    export(repo, "session_20260101_shared.md", "Shared", body=theirs)
    commit_all(repo, "theirs")
    git(repo, "checkout", "-q", "main")
    export(repo, "session_20260101_shared.md", "Shared", body=ours)
    commit_all(repo, "ours")


def test_two_branches_that_each_added_a_session_conflict_on_the_index(sessions: Path) -> None:
    """Without the merge driver (this repository has none), as in a clone."""
    commit_all(sessions, "setup")
    git(sessions, "checkout", "-q", "-b", "theirs")
    export(sessions, "session_20260102_theirs.md", "Theirs", date="2026-01-02")
    commit_all(sessions, "theirs")
    git(sessions, "checkout", "-q", "main")
    export(sessions, "session_20260103_ours.md", "Ours", date="2026-01-03")
    commit_all(sessions, "ours")
    assert merge(sessions, "theirs") == 1

    code, found = problems(sessions)
    line = marker_line((sessions / INDEX).read_text(encoding="utf-8"))
    assert line is not None
    assert (code, found) == (
        1,
        [
            {
                "path": INDEX,
                "line": line,
                "level": "error",
                "message": "conflicted: a merge left it unmerged (both modified);"
                " it is generated, never merged by hand",
                "hint": INDEX_HINT,
            }
        ],
    )
    # The fix as the hint gives it.
    assert sess(sessions, "index").code == 0
    git(sessions, "add", INDEX)
    assert problems(sessions) == (0, [])
    git(sessions, "commit", "-q", "--no-edit")
    assert sess(sessions, "index", "--check").code == 0


def test_an_index_committed_with_its_markers_is_still_a_conflict(sessions: Path) -> None:
    export(sessions, "session_20260102_a.md", "A", date="2026-01-02")
    commit_all(sessions, "a")
    text = (sessions / INDEX).read_text(encoding="utf-8")
    (sessions / INDEX).write_text(text + "<<<<<<< HEAD\n- ours\n=======\n- theirs\n>>>>>>> b\n")
    git(sessions, "commit", "-q", "-am", "a careless merge")
    _, found = problems(sessions)
    assert found == [
        {
            "path": INDEX,
            "line": len(text.splitlines()) + 1,
            "level": "error",
            "message": "conflicted: a merge left its conflict markers in it;"
            " it is generated, never merged by hand",
            "hint": INDEX_HINT,
        }
    ]


def test_an_export_both_sides_edited_is_named_with_its_line(sessions: Path) -> None:
    diverge(sessions, ours="Ours.", theirs="Theirs.")
    assert merge(sessions, "theirs") == 1
    text = (sessions / SHARED).read_text(encoding="utf-8")
    code, found = problems(sessions)
    conflicts = [p for p in found if p["path"] == SHARED]
    assert code == 1
    assert conflicts == [
        {
            "path": SHARED,
            "line": marker_line(text),
            "level": "error",
            "message": "unresolved merge conflict: the markers <<<<<<< ======= >>>>>>> are"
            " still in the file",
            "hint": "keep the text you want, delete the marker lines, then git add it",
        }
    ]

    # Resolved in the file but not yet added: only git's staging area knows.
    export(sessions, "session_20260101_shared.md", "Shared", body="Ours and theirs.")
    _, found = problems(sessions)
    assert [p for p in found if p["path"] == SHARED] == [
        {
            "path": SHARED,
            "line": None,
            "level": "error",
            "message": "unresolved merge conflict: git still holds it unmerged (both modified)",
            "hint": f"once it reads as it should: git add {SHARED}",
        }
    ]
    commit_all(sessions, "merged")
    assert problems(sessions) == (0, [])


def test_an_export_deleted_on_one_side_and_changed_on_the_other(sessions: Path) -> None:
    export(sessions, "session_20260101_shared.md", "Shared", body="Base.")
    commit_all(sessions, "base")
    git(sessions, "checkout", "-q", "-b", "theirs")
    git(sessions, "rm", "-q", SHARED)
    commit_all(sessions, "theirs: gone")
    git(sessions, "checkout", "-q", "main")
    export(sessions, "session_20260101_shared.md", "Shared", body="Changed.")
    commit_all(sessions, "ours: changed")
    assert merge(sessions, "theirs") == 1
    _, found = problems(sessions)
    assert [p for p in found if p["path"] == SHARED] == [
        {
            "path": SHARED,
            "line": None,
            "level": "error",
            "message": "unresolved merge conflict: git still holds it unmerged (deleted by them)",
            "hint": f"keep it: git add {SHARED}; or drop it: git rm {SHARED}",
        }
    ]


def test_no_merge_in_progress_costs_no_problem(sessions: Path) -> None:
    export(sessions, "session_20260101_quoted.md", "Quoted", body="```\n<<<<<<< HEAD\n```")
    commit_all(sessions, "a quoted marker, alone, is no conflict")
    assert problems(sessions) == (0, [])


def test_the_markers_and_stages_read_as_git_says_them() -> None:
    assert marker_line("a\n<<<<<<< HEAD\nb\n") == 2
    assert marker_line("a\n <<<<<<< not at the start\n") is None
    assert marker_line(None) is None
    assert kind(frozenset({1, 2, 3})) == "both modified"
    assert kind(frozenset({2, 3})) == "both added"
    assert kind(frozenset({1, 3})) == "deleted by us"
