"""Tracing code back to its sessions: the Files lists an export keeps (in-process,
table-driven), the path a user means, and `trace` / `show`'s commits over real
git histories (renames, trailers, shallow clones, the caches)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from builders import export, export_text, state_dir, write_export
from conftest import FIXTURES, git

from gitsess.core.errors import GitSessError
from gitsess.core.filelists import (
    CREATED,
    DELETED,
    MODIFIED,
    list_kind,
    listed_files,
    normalize_path,
)
from gitsess.core.history import CommitFacts, path_history
from gitsess.core.listindex import CACHE
from gitsess.core.reading import session_commits
from gitsess.core.tracing import LISTED, SAME_COMMIT, TRAILER, resolve_target, trace_path
from gitsess.core.workspace import open_workspace

# --- the Files lists, in-process ------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Files Created", CREATED),
        ("Files Modified", MODIFIED),
        ("Files Changed", MODIFIED),
        ("Files changed:", MODIFIED),
        ("📁 Files Added (3)", CREATED),
        ("New files", CREATED),
        ("Files created and modified", MODIFIED),
        ("Files created / modified", MODIFIED),
        ("Files Deleted", DELETED),
        ("Removed files", DELETED),
        ("Changes Made", MODIFIED),
        ("Code changes", MODIFIED),
        ("Files", MODIFIED),
        ("Key files", MODIFIED),
        ("Files to read next", None),
        ("File structure", None),
        ("Technical Decisions", None),
        ("Changes", None),
        ("Status", None),
        ("", None),
    ],
)
def test_which_headings_and_labels_open_a_files_list(label, kind):
    assert list_kind(label) == kind


def test_the_template_sections_with_backticked_paths_and_a_description():
    text = """---
title: X
files: [not/read.py]
---
# Session: X

## Completed Work

### Files Created
<!-- `path` - what it is for -->
- `src/parser.py` - the parser
- `tests/test_parser.py` — its tests

### Files Modified
- src/cli.py: a new command
- `README.md`

## Technical Decisions
- `src/elsewhere.py` is not a list entry: this section lists no files.
"""
    assert listed_files(text) == [
        ("src/parser.py", CREATED),
        ("tests/test_parser.py", CREATED),
        ("src/cli.py", MODIFIED),
        ("README.md", MODIFIED),
    ]


@pytest.mark.parametrize(
    ("item", "paths"),
    [
        ("- `a/b.py` - why", ["a/b.py"]),
        ("- a/b.py — why", ["a/b.py"]),
        ("- a/b.py – why", ["a/b.py"]),
        ("- a/b.py: why", ["a/b.py"]),
        ("- a/b.py (new)", ["a/b.py"]),
        ("- a/b.py.", ["a/b.py"]),
        ("* `a.py`, `b/c.py` - both", ["a.py", "b/c.py"]),
        ("+ `a.py` and `b.py`", ["a.py", "b.py"]),
        ("1. `old/x.py` → `new/x.py` (moved)", ["old/x.py", "new/x.py"]),
        ("- [x] `done/y.py` - checked off", ["done/y.py"]),
        ("- `src/z.py:42` - the line", ["src/z.py"]),
        ("- `src/z.py#L10-L20`", ["src/z.py"]),
        ("- [src/link.py](src/link.py) - a link", ["src/link.py"]),
        ("- [the parser](src/parser.py)", ["src/parser.py"]),
        ("- **src/bold.py** - bold", ["src/bold.py"]),
        ("- ./src/dot.py", ["src/dot.py"]),
        ("- src\\windows\\path.py", ["src/windows/path.py"]),
        ("- `src/pkg/` - a new package", ["src/pkg/"]),
        ("- `docs/My Guide.md` - a name with a space", ["docs/My Guide.md"]),
        ("- `` odd`name.py `` - as git sess writes a name with a backtick", ["odd`name.py"]),
        ("- `Makefile` - a target", ["Makefile"]),
        ("- `.gitignore`", [".gitignore"]),
        ("- /home/dev/app/src/abs.py", ["/home/dev/app/src/abs.py"]),
        ("- wrote the toolchain part", []),
        ("- Updated `src/up.py` and `lib/x.py` for the new API", ["src/up.py", "lib/x.py"]),
        ("- `a.py` - moved helpers out of `b.py`", ["a.py"]),
        ("- `recurrence` column", []),
        ("- `pytest -k parser` passes", []),
        ("- https://example.com/x.py", []),
        ("- ../outside.py", []),
        ("- … and 3 more", []),
        ("- `*.py`", []),
        ("- e.g. nothing", []),
    ],
)
def test_the_forms_of_a_list_item(item, paths):
    text = f"## Files Modified\n{item}\n"
    assert [path for path, _ in listed_files(text)] == paths


def test_hand_written_forms_labels_tables_and_nesting():
    text = """# Session Log: Nightly import

**Files Created:**
- `jobs/nightly.py` - the job
- jobs/schedule.yaml

Then some prose, which ends the labelled list.
- `not/listed.py` - after the prose

## Session End Summary
- **Duration**: 1h 40m
- **Files changed**: docs/build/1.5-cross.md, `docs/index.md`
- **Status**: done

## Files
| File | Why |
| --- | --- |
| `api/routes.py` | new route |
- backend
  - `api/models.py` - nested under a group

```
## Files Created
- `in/a/fence.py`
```
"""
    assert listed_files(text) == [
        ("jobs/nightly.py", CREATED),
        ("jobs/schedule.yaml", CREATED),
        ("docs/build/1.5-cross.md", MODIFIED),
        ("docs/index.md", MODIFIED),
        ("api/routes.py", MODIFIED),
        ("api/models.py", MODIFIED),
    ]


def test_the_fixtures_of_hand_written_notes():
    legacy = FIXTURES / "legacy"
    parser = (legacy / "session_20260210_invoice_parser.md").read_text()
    fallback = (legacy / "session_20260214_ocr_fallback.md").read_text()
    build = (FIXTURES / "notes" / "2025-07-16-1831-Build section 1.5.md").read_text()
    assert listed_files(parser) == [
        ("ledger/invoices/parser.py", CREATED),
        ("tests/test_invoice_parser.py", CREATED),
        ("ledger/cli.py", MODIFIED),
    ]
    assert listed_files(fallback) == [
        ("ledger/invoices/ocr.py", MODIFIED),
        ("ledger/invoices/parser.py", MODIFIED),
    ]
    assert listed_files(build) == [("docs/build/1.5-cross.md", MODIFIED)]


def test_a_heading_ends_the_list_unless_it_is_deeper():
    text = (
        "## Files Modified\n- a.py\n### Backend\n- api/b.py\n## Next Steps\n- c.py\n# Top\n- d.py\n"
    )
    assert listed_files(text) == [("a.py", MODIFIED), ("api/b.py", MODIFIED)]


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ("src/x.py", "src/x.py"),
        ("./src/./x.py", "src/x.py"),
        ("src/../lib/x.py", "lib/x.py"),
        ("src/", "src/"),
        ("../x.py", None),
        ("/abs/x.py", "/abs/x.py"),
        ("x.py:12-14", "x.py"),
        (".", None),
    ],
)
def test_listed_paths_are_tidied_as_git_names_files(raw, path):
    assert normalize_path(raw) == path


# --- the path a user means ----------------------------------------------------------


def test_a_path_is_taken_from_where_the_user_is(sessions: Path):
    (sessions / "src" / "app").mkdir(parents=True)
    (sessions / "src" / "app" / "x.py").write_text("x\n")
    here = sessions / "src"
    assert resolve_target(sessions, "app/x.py", here).path == "src/app/x.py"
    assert resolve_target(sessions, "../README.md", here).path == "README.md"
    assert resolve_target(sessions, ":/src/app/x.py", here).path == "src/app/x.py"
    assert resolve_target(sessions, str(here / "app" / "x.py"), sessions).path == "src/app/x.py"
    folder = resolve_target(sessions, "app", here)
    assert (folder.path, folder.directory, folder.exists) == ("src/app", True, True)
    gone = resolve_target(sessions, "app/gone.py/", here)
    assert (gone.path, gone.directory, gone.exists) == ("src/app/gone.py", True, False)


def test_a_path_through_a_symbolic_link_to_the_repository(sessions: Path, tmp_path: Path):
    link = tmp_path / "link"
    link.symlink_to(sessions)
    (sessions / "a.py").write_text("a\n")
    assert resolve_target(sessions, str(link / "a.py"), tmp_path).path == "a.py"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("../elsewhere.py", "is outside the repository"),
        ("/etc/passwd", "is outside the repository"),
        (".", "is the whole work tree"),
        (".git/config", "inside the .git directory"),
        ("  ", "no path given"),
    ],
)
def test_paths_that_name_nothing_to_trace(sessions: Path, given, message):
    with pytest.raises(GitSessError, match=message) as raised:
        resolve_target(sessions, given, sessions)
    assert raised.value.hint


# --- trace over real histories ---------------------------------------------------------

FEATURE = """## Completed Work

### Files Created
- `src/parser.py` - the parser

### Files Modified
- `src/cli.py` - a new command
"""


def write(repo: Path, path: str, text: str = "code\n") -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def commit(repo: Path, message: str, *paths: str, date: str = "2026-01-01T10:00:00") -> None:
    """Stage `paths` (default: everything) and commit them at `date` (UTC)."""
    git(repo, "add", "-A", "--", *(paths or ["."]))
    stamp = f"{date}+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    done = subprocess.run(
        ["git", "commit", "-q", "--no-verify", "-m", message], cwd=repo, env=env, text=True
    )
    assert done.returncode == 0


def trace(repo: Path, path: str, cwd: Path | None = None):
    return trace_path(open_workspace(repo), path, cwd or repo)


def how(found) -> dict[str, list[str]]:
    return {t.session.id: t.how for t in found.sessions}


def test_a_session_that_lists_the_file(sessions: Path):
    export(sessions, "session_20260101_parser.md", "Parser", FEATURE, date="2026-01-01")
    export(sessions, "session_20260102_other.md", "Other", "Nothing listed.", date="2026-01-02")

    found = trace(sessions, "src/parser.py")  # listed, never committed

    assert how(found) == {"session_20260101_parser.md": [LISTED]}
    traced = found.sessions[0]
    assert [(x.list, x.path) for x in traced.listed] == [(CREATED, "src/parser.py")]
    assert (traced.session.title, traced.session.status) == ("Parser", "complete")
    assert traced.session.path == ".sessions/session_20260101_parser.md"
    assert not found.target.exists and found.history.commits == []


def test_the_commit_that_carries_the_export_and_the_code(sessions: Path):
    export(sessions, "session_20260101_a.md", "A", "No lists.", date="2026-01-01")
    write(sessions, "src/app.py")
    commit(sessions, "Add session: A, with its code")
    export(sessions, "session_20260102_b.md", "B", "No lists.", date="2026-01-02")
    commit(sessions, "Add session: B alone", ".sessions")
    write(sessions, "src/app.py", "changed\n")
    (sessions / ".sessions" / "session_20260101_a.md").unlink()
    export(sessions, "session_20260103_c.md", "C", "No lists.", date="2026-01-03")
    commit(sessions, "Delete A, add C, change the code")

    found = trace(sessions, "src/app.py")

    # A's export went in with the code; C's too; a deleted export says nothing.
    assert how(found) == {"session_20260103_c.md": [SAME_COMMIT]}
    assert [c.commit.subject for c in found.sessions[0].commits] == [
        "Delete A, add C, change the code"
    ]
    assert len(found.history.commits) == 2


def test_session_trailers_name_sessions_and_unknown_ones_are_reported(sessions: Path):
    export(sessions, "session_20260101_parser.md", "Parser", "No lists.", date="2026-01-01")
    commit(sessions, "Add session: Parser")
    write(sessions, "src/parser.py")
    message = "Parse dates\n\nBody.\n\nSession: session_20260101_parser\nSession: session_gone.md"
    git(sessions, "add", "src")
    git(sessions, "commit", "-q", "-m", message)

    found = trace(sessions, "src/parser.py")

    assert how(found) == {"session_20260101_parser.md": [TRAILER]}
    assert [value for _, value in found.unknown] == ["session_gone.md"]


def test_renames_are_followed_as_git_log_follow_does(sessions: Path):
    export(sessions, "session_20260101_old.md", "Old", FEATURE, date="2026-01-01")
    write(sessions, "src/parser.py", "a parser\nwith lines\nenough to be similar\n")
    commit(sessions, "Add session: Old, with the parser", date="2026-01-01T10:00:00")
    (sessions / "lib").mkdir()
    git(sessions, "mv", "src/parser.py", "lib/parsing.py")
    commit(sessions, "Move the parser", date="2026-01-02T10:00:00")
    export(sessions, "session_20260103_new.md", "New", "No lists.", date="2026-01-03")
    write(sessions, "lib/parsing.py", "a parser\nwith lines\nenough to be similar\nmore\n")
    commit(sessions, "Add session: New, with a change", date="2026-01-03T10:00:00")

    found = trace(sessions, "lib/parsing.py")

    assert found.history.names == ["lib/parsing.py", "src/parser.py"]
    assert [(r.old, r.new, r.commit.subject) for r in found.history.renames] == [
        ("src/parser.py", "lib/parsing.py", "Move the parser")
    ]
    assert how(found) == {
        "session_20260103_new.md": [SAME_COMMIT],
        "session_20260101_old.md": [LISTED, SAME_COMMIT],
    }
    assert [x.path for x in found.sessions[1].listed] == ["src/parser.py"]
    # The old name alone, after the rename, is another file's history no more.
    old = trace(sessions, "src/parser.py")
    assert old.history.names == ["src/parser.py"] and how(old) == {
        "session_20260101_old.md": [LISTED, SAME_COMMIT]
    }


def test_a_folder_gathers_what_is_in_it_and_follows_no_rename(sessions: Path):
    body = "### Files Modified\n- `src/a.py`\n- `src/pkg/`\n- `srcx/not.py`\n- `/abs/src/b.py`\n"
    export(sessions, "session_20260101_folder.md", "Folder", body, date="2026-01-01")
    write(sessions, "src/a.py")
    commit(sessions, "Code in src")

    found = trace(sessions, "src")

    assert found.target.directory
    assert [x.path for x in found.sessions[0].listed] == ["src/a.py", "src/pkg/"]
    assert found.sessions[0].how == [LISTED, SAME_COMMIT]
    # A file is found through a folder listed as a whole.
    assert how(trace(sessions, "src/pkg/mod.py")) == {"session_20260101_folder.md": [LISTED]}


def test_an_absolute_path_in_a_list_names_the_file_in_this_work_tree(sessions: Path):
    root = Path(git(sessions, "rev-parse", "--show-toplevel").strip()).as_posix()
    body = f"### Files Modified\n- `{root}/src/a.py` - written absolute\n"
    export(sessions, "session_20260101_abs.md", "Abs", body, date="2026-01-01")
    assert how(trace(sessions, "src/a.py")) == {"session_20260101_abs.md": [LISTED]}


def test_a_deleted_file_is_traced_through_its_history(sessions: Path):
    export(sessions, "session_20260101_a.md", "A", "No lists.", date="2026-01-01")
    write(sessions, "old/gone.py")
    commit(sessions, "Add session: A, with code")
    git(sessions, "rm", "-q", "old/gone.py")
    commit(sessions, "Remove it")

    found = trace(sessions, "old/gone.py")
    assert not found.target.exists and how(found) == {"session_20260101_a.md": [SAME_COMMIT]}
    # A folder that exists only in the history is traced as a folder.
    assert trace(sessions, "old").target.directory


def test_sessions_newest_first_by_date_then_by_their_newest_commit(sessions: Path):
    for name, date in (("b", "2026-01-02"), ("a", "2026-01-02"), ("c", "2026-01-01")):
        export(sessions, f"session_{date.replace('-', '')}_{name}.md", name, FEATURE, date=date)
    commit(sessions, "Add sessions", ".sessions")
    write(sessions, "src/parser.py")
    export(sessions, "session_20260102_a.md", "a", FEATURE + "\nMore.\n", date="2026-01-02")
    commit(sessions, "Code with a's update", date="2026-02-01T00:00:00")

    ids = [t.session.id for t in trace(sessions, "src/parser.py").sessions]

    assert ids == ["session_20260102_a.md", "session_20260102_b.md", "session_20260101_c.md"]


def test_a_path_found_nowhere_is_an_error_with_a_hint(sessions: Path):
    with pytest.raises(GitSessError, match="no such file or folder") as raised:
        trace(sessions, "src/typo.py")
    assert "git ls-files" in (raised.value.hint or "")


def test_a_path_from_a_subdirectory(sessions: Path):
    export(sessions, "session_20260101_parser.md", "Parser", FEATURE, date="2026-01-01")
    write(sessions, "src/parser.py")
    found = trace(sessions, "parser.py", cwd=sessions / "src")
    assert found.target.path == "src/parser.py"
    assert how(found) == {"session_20260101_parser.md": [LISTED]}


# --- the caches -------------------------------------------------------------------------


def test_a_warm_trace_reads_no_export(sessions: Path):
    """The lists come from the index while the exports' signatures are unchanged: an
    export rewritten in place with its size, inode and time kept (which nothing but a
    forger does) still shows what it listed when the index was made."""
    path = export(sessions, "session_20260101_parser.md", "Parser", FEATURE, date="2026-01-01")
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    assert how(trace(sessions, "src/parser.py")) == {"session_20260101_parser.md": [LISTED]}
    data = path.read_bytes()
    forged = data.replace(b"src/parser.py", b"src/parsed.py")
    assert len(forged) == len(data)
    with open(path, "r+b") as handle:
        handle.write(forged)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))

    assert how(trace(sessions, "src/parser.py")) == {"session_20260101_parser.md": [LISTED]}
    write(sessions, "src/parsed.py")
    assert trace(sessions, "src/parsed.py").sessions == []


def test_the_index_follows_every_change_to_an_export(sessions: Path):
    path = export(sessions, "session_20260101_parser.md", "Parser", FEATURE, date="2026-01-01")
    for code in ("src/parser.py", "src/p2.py", "src/cli.py"):
        write(sessions, code)
    assert how(trace(sessions, "src/parser.py")) == {"session_20260101_parser.md": [LISTED]}
    export(sessions, path.name, "Parser v2", FEATURE.replace("src/parser.py", "src/p2.py"))

    assert trace(sessions, "src/parser.py").sessions == []
    found = trace(sessions, "src/p2.py")
    assert [t.session.title for t in found.sessions] == ["Parser v2"]
    path.unlink()
    assert trace(sessions, "src/cli.py").sessions == []


@pytest.mark.parametrize("damage", ["garbage\0\n\x01", "", "\t\t\n\0\n"])
def test_a_damaged_index_is_built_again(sessions: Path, damage: str):
    export(sessions, "session_20260101_parser.md", "Parser", FEATURE, date="2026-01-01")
    trace(sessions, "src/parser.py")
    (state_dir(sessions) / CACHE).write_text(damage)
    assert how(trace(sessions, "src/parser.py")) == {"session_20260101_parser.md": [LISTED]}


def test_odd_titles_and_statuses_stay_on_their_line_in_the_index(sessions: Path):
    text = export_text("Tab\there", FEATURE, date="2026-01-01").replace(
        "status: complete", 'status: "in\\tprogress"'
    )
    write_export(sessions, "session_20260101_odd.md", text)
    for _ in range(2):  # built, then read back
        found = trace(sessions, "src/parser.py")
        assert (found.sessions[0].session.title, found.sessions[0].session.status) == (
            "Tab here",
            "in progress",
        )


def test_commit_facts_are_remembered_by_commit(sessions: Path):
    export(sessions, "session_20260101_a.md", "A", "No lists.", date="2026-01-01")
    write(sessions, "src/app.py")
    commit(sessions, "With code")
    workspace = open_workspace(sessions)
    facts = CommitFacts(workspace.repo, ".sessions")
    history = path_history(workspace.repo, "src/app.py", facts, follow=True)
    sha = history.commits[0].sha
    assert history.exports[sha] == [".sessions/session_20260101_a.md"]
    stored = json.loads((state_dir(sessions) / "commit-facts.json").read_text())
    assert stored["commits"][sha] == [[".sessions/session_20260101_a.md"], []]
    # Known now: read from the file, not from git (a fact changed by hand shows it).
    stored["commits"][sha] = [[".sessions/session_20260101_b.md"], []]
    (state_dir(sessions) / "commit-facts.json").write_text(json.dumps(stored))
    again = path_history(
        workspace.repo, "src/app.py", CommitFacts(workspace.repo, ".sessions"), follow=True
    )
    assert again.exports[sha] == [".sessions/session_20260101_b.md"]


# --- shallow clones -------------------------------------------------------------------


def shallow_clone(source: Path, tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{source}", str(clone))
    return clone


def test_a_shallow_clone_says_what_it_cannot_see(sessions: Path, tmp_path: Path):
    export(sessions, "session_20260101_parser.md", "Parser", "No lists.", date="2026-01-01")
    write(sessions, "src/parser.py")
    commit(sessions, "Add session: Parser, with code", date="2026-01-01T10:00:00")
    write(sessions, "src/parser.py", "v2\n")
    git(sessions, "add", "src")
    git(sessions, "commit", "-q", "-m", "Change\n\nSession: session_20260101_parser.md")

    clone = shallow_clone(sessions, tmp_path)
    found = trace(clone, "src/parser.py")

    assert found.shallow is not None and found.shallow.before is not None
    assert "commits before" in found.shallow.sentence()
    assert "git fetch --unshallow" in found.shallow.sentence()
    # The clone's first commit seems to add every file, the export too: only its
    # trailer counts.
    assert how(found) == {"session_20260101_parser.md": [TRAILER]}
    assert trace(sessions, "src/parser.py").shallow is None

    workspace = open_workspace(clone)
    session = workspace.find(workspace.catalog(), "parser")
    shown = session_commits(workspace, session, 10)
    assert shown.total == 0 and shown.before_cut  # the clone's first commit says nothing
    assert shown.lines() == [
        "commits:   none here: committed before this shallow clone's history starts"
    ]


def test_a_linked_worktree_of_a_shallow_clone_knows_it_is_shallow(sessions: Path, tmp_path: Path):
    export(sessions, "session_20260101_parser.md", "Parser", FEATURE, date="2026-01-01")
    commit(sessions, "Add session: Parser")
    clone = shallow_clone(sessions, tmp_path)
    linked = tmp_path / "linked"
    git(clone, "worktree", "add", "-q", str(linked))
    write(linked, "src/parser.py")

    found = trace(linked, "src/parser.py")

    assert found.shallow is not None and found.shallow.before == "2026-01-01"
    assert how(found) == {"session_20260101_parser.md": [LISTED]}
