"""`git sess check` while a merge leaves an export with its conflict markers: the
conflict alone for that file (broken YAML, a key set twice are what the two sides'
lines read as together), and no `git sess index` advice for a stale index until the
merge is resolved (issue 18)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from builders import export
from conftest import git, sess

from gitsess.core.conflicts import conflict_alone, stale_index_hint
from gitsess.core.model import Problem

INDEX = ".sessions/session_index.md"
SHARED = ".sessions/session_20260101_shared.md"
RESOLVE_FIRST = (
    "resolve the merge conflicts in the sessions directory first (check names each);"
    " the index follows them: run git sess check again then"
)
MARKERS = "unresolved merge conflict: the markers <<<<<<< ======= >>>>>>> are still in the file"


def problems(repo: Path) -> tuple[int, list[dict]]:
    result = sess(repo, "check", "--json")
    assert "Traceback" not in result.err, result.err
    return result.code, json.loads(result.out)["problems"]


def commit_all(repo: Path, message: str) -> None:
    assert sess(repo, "index").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def driven(sessions: Path) -> Path:
    """`git sess init` done, as in the trial: the merge driver merges the index, so a
    merge that conflicts on an export leaves the index merged but out of date."""
    assert sess(sessions, "init").code == 0
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "Set up sessions")
    return sessions


def shared(repo: Path, summary: str, step: str) -> None:
    export(
        repo,
        "session_20260101_shared.md",
        "Shared",
        body=f"## Next Steps\n1. {step}",
        extra=f"summary: {summary}\n",
    )


def test_an_export_conflicted_in_its_frontmatter_reports_the_conflict_alone(driven: Path) -> None:
    """Both sides changed the summary and a step, as the trial did: git writes markers
    into the frontmatter; the index (merged by neither driver nor hand) is stale."""
    shared(driven, "base", "base step")
    commit_all(driven, "base")
    git(driven, "checkout", "-q", "-b", "side")
    shared(driven, "side summary", "side step")
    commit_all(driven, "side")
    git(driven, "checkout", "-q", "main")
    shared(driven, "main summary", "main step")
    commit_all(driven, "main")
    merging = subprocess.run(["git", "merge", "-q", "side"], cwd=driven, capture_output=True)
    assert merging.returncode == 1
    text = (driven / SHARED).read_text(encoding="utf-8")
    assert text.startswith("---\n") and "<<<<<<<" in text.split("\n---\n", 1)[0]

    code, found = problems(driven)
    assert code == 1
    assert [(p["path"], p["message"]) for p in found if p["path"] == SHARED] == [(SHARED, MARKERS)]
    assert not [p for p in found if "YAML" in p["message"] or "twice" in p["message"]]
    assert [p for p in found if p["path"] == INDEX] == [
        {
            "path": INDEX,
            "line": None,
            "level": "error",
            "message": "index is out of date",
            "hint": RESOLVE_FIRST,
        }
    ]
    assert len(found) == 2, found

    # Resolved and added, the merge concluded: nothing left, the index included.
    shared(driven, "main summary", "main step")
    commit_all(driven, "merged")
    assert problems(driven) == (0, [])


def test_a_stale_index_mid_merge_says_to_resolve_first(driven: Path) -> None:
    """An export conflicted in its body, a second one added on the side: the index
    is out of date, and its hint is to resolve, not to run git sess index."""
    export(driven, "session_20260101_shared.md", "Shared", body="Base.")
    commit_all(driven, "base")
    git(driven, "checkout", "-q", "-b", "side")
    export(driven, "session_20260101_shared.md", "Shared", body="Side.")
    commit_all(driven, "side")
    git(driven, "checkout", "-q", "main")
    export(driven, "session_20260101_shared.md", "Shared", body="Main.")
    commit_all(driven, "main")
    assert subprocess.run(["git", "merge", "-q", "side"], cwd=driven).returncode == 1
    export(driven, "session_20260102_more.md", "More", date="2026-01-02")  # not indexed

    code, found = problems(driven)
    assert code == 1
    assert [p for p in found if p["path"] == INDEX] == [
        {
            "path": INDEX,
            "line": None,
            "level": "error",
            "message": "index is out of date",
            "hint": RESOLVE_FIRST,
        }
    ]
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
