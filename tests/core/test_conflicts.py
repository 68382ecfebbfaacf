"""`git sess check` after a merge that git left unresolved: the index named as
a conflict (not merely out of date), an export both sides edited named with its
file and line, and what only git's staging area still knows. While a merge leaves an
export with its conflict markers: the conflict alone for that file (broken YAML, a key
set twice are what the two sides' lines read as together), and no `git sess index`
advice for a stale index until the merge is resolved (issue 18)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from builders import export
from conftest import git, init_hooked, sess

from gitsess.core.conflicts import conflict_alone, kind, marker_line, stale_index_hint
from gitsess.core.model import Problem

Change = Callable[[Path], object]  # what one side of a merge does to the repository

INDEX = ".sessions/session_index.md"
SHARED = ".sessions/session_20260101_shared.md"
INDEX_HINT = (
    f"resolve it now: git sess index && git add {INDEX}; git sess init sets up the merge"
    " driver that merges the index without conflicts"
)
RESOLVE_FIRST = (
    "resolve the merge conflicts in the sessions directory first (check names each);"
    " the index follows them: run git sess check again then"
)
MARKERS = "unresolved merge conflict: the markers <<<<<<< ======= >>>>>>> are still in the file"
# The index's one problem mid-merge with the merge driver: merged, but out of date.
STALE_MID_MERGE = {
    "path": INDEX,
    "line": None,
    "level": "error",
    "message": "index is out of date",
    "hint": RESOLVE_FIRST,
}


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


def diverge(repo: Path, base: Change, theirs: Change, ours: Change) -> None:
    """`base` committed on main; branch `theirs` from there gets `theirs`, main `ours`,
    each committed with its index; main checked out, ready to `merge(repo, "theirs")`."""
    base(repo)
    commit_all(repo, "base")
    git(repo, "checkout", "-q", "-b", "theirs")
    theirs(repo)
    commit_all(repo, "theirs")
    git(repo, "checkout", "-q", "main")
    ours(repo)
    commit_all(repo, "ours")


def shared_body(body: str) -> Change:
    """The shared export written with this body."""
    return lambda repo: export(repo, "session_20260101_shared.md", "Shared", body=body)


def shared_frontmatter(summary: str, step: str) -> Change:
    """The shared export written with this summary (in its frontmatter) and next step."""
    return lambda repo: export(
        repo,
        "session_20260101_shared.md",
        "Shared",
        body=f"## Next Steps\n1. {step}",
        extra=f"summary: {summary}\n",
    )


def nothing(repo: Path) -> None:
    """A side that changes nothing."""


def test_two_branches_that_each_added_a_session_conflict_on_the_index(sessions: Path) -> None:
    """Without the merge driver (this repository has none), as in a clone."""
    diverge(
        sessions,
        base=nothing,
        theirs=lambda repo: export(repo, "session_20260102_theirs.md", "Theirs", date="2026-01-02"),
        ours=lambda repo: export(repo, "session_20260103_ours.md", "Ours", date="2026-01-03"),
    )
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
    diverge(
        sessions, shared_body("Base."), theirs=shared_body("Theirs."), ours=shared_body("Ours.")
    )
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
    diverge(
        sessions,
        shared_body("Base."),
        theirs=lambda repo: git(repo, "rm", "-q", SHARED),
        ours=shared_body("Changed."),
    )
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


# --- mid-merge with the merge driver: the conflict alone ----------------------------------


@pytest.fixture
def driven(sessions: Path) -> Path:
    """`git sess init` done, as in the trial: the merge driver merges the index, so a
    merge that conflicts on an export leaves the index merged but out of date."""
    return init_hooked(sessions)


def test_an_export_conflicted_in_its_frontmatter_reports_the_conflict_alone(driven: Path) -> None:
    """Both sides changed the summary and a step, as the trial did: git writes markers
    into the frontmatter; the index (merged by neither driver nor hand) is stale."""
    diverge(
        driven,
        shared_frontmatter("base", "base step"),
        theirs=shared_frontmatter("side summary", "side step"),
        ours=shared_frontmatter("main summary", "main step"),
    )
    assert merge(driven, "theirs") == 1
    text = (driven / SHARED).read_text(encoding="utf-8")
    assert text.startswith("---\n") and "<<<<<<<" in text.split("\n---\n", 1)[0]

    code, found = problems(driven)
    assert code == 1
    assert [(p["path"], p["message"]) for p in found if p["path"] == SHARED] == [(SHARED, MARKERS)]
    assert not [p for p in found if "YAML" in p["message"] or "twice" in p["message"]]
    assert [p for p in found if p["path"] == INDEX] == [STALE_MID_MERGE]
    assert len(found) == 2, found

    # Resolved and added, the merge concluded: nothing left, the index included.
    shared_frontmatter("main summary", "main step")(driven)
    commit_all(driven, "merged")
    assert problems(driven) == (0, [])


def test_a_stale_index_mid_merge_says_to_resolve_first(driven: Path) -> None:
    """An export conflicted in its body, a second one added on the side: the index
    is out of date, and its hint is to resolve, not to run git sess index."""
    diverge(driven, shared_body("Base."), theirs=shared_body("Side."), ours=shared_body("Main."))
    assert merge(driven, "theirs") == 1
    export(driven, "session_20260102_more.md", "More", date="2026-01-02")  # not indexed

    code, found = problems(driven)
    assert code == 1
    assert [p for p in found if p["path"] == INDEX] == [STALE_MID_MERGE]
    assert [p["message"] for p in found if p["path"] == SHARED] == [MARKERS]

    export(driven, "session_20260101_shared.md", "Shared", body="Main and side.")
    git(driven, "add", SHARED)
    code, found = problems(driven)  # resolved: now the plain advice
    assert [(p["path"], p["hint"]) for p in found] == [(INDEX, "git sess index")]


def test_conflict_alone_keeps_the_other_files_problems() -> None:
    """Pure: only the marked file's other problems go; the plain advice when nothing
    is unmerged."""
    marked = Problem("a.md", 3, "error", MARKERS, "resolve")
    noise = Problem("a.md", 4, "error", "frontmatter is not valid YAML", "fix it")
    other = Problem("b.md", 2, "error", "frontmatter is not valid YAML", "fix it")
    assert conflict_alone([noise, marked, other]) == [marked, other]
    assert conflict_alone([noise, other]) == [noise, other]
    assert stale_index_hint({}) == "git sess index"
