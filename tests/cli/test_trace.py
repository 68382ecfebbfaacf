"""`git sess trace PATH` and the commits `git sess show` lists, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from builders import export, state_dir
from conftest import assert_one_line_error, git, sess, snapshot

FEATURE = """### Files Created
- `src/parser.py` - the parser
"""
TRACE_KEYS = {
    "path",
    "kind",
    "exists",
    "names",
    "renames",
    "commits",
    "shallow",
    "sessions",
    "unknown_trailers",
}
SESSION_KEYS = {"id", "path", "date", "title", "status", "how", "listed", "commits"}


def commit(repo: Path, message: str, date: str = "2026-01-01T10:00:00") -> str:
    """Commit everything at `date` (UTC); the new commit's short id."""
    git(repo, "add", "-A")
    stamp = f"{date}+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    done = subprocess.run(
        ["git", "commit", "-q", "--no-verify", "-m", message], cwd=repo, env=env, text=True
    )
    assert done.returncode == 0
    return git(repo, "rev-parse", "--short=7", "HEAD").strip()


def write(repo: Path, path: str, text: str = "code\n") -> None:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text)


@pytest.fixture
def traced(sessions: Path) -> tuple[Path, dict[str, str]]:
    """A history: Parser listed its file and was committed with it; a later code
    commit names Parser in a trailer; Later was committed with a change to it."""
    export(sessions, "session_20260101_parser.md", "Parser", FEATURE, date="2026-01-01")
    write(sessions, "src/parser.py")
    first = commit(sessions, "Add session: Parser", "2026-01-01T10:00:00")
    write(sessions, "src/parser.py", "v2\n")
    second = commit(
        sessions, "Parse dates\n\nSession: session_20260101_parser.md", "2026-01-02T10:00:00"
    )
    export(sessions, "session_20260103_later.md", "Later", "No lists.", date="2026-01-03")
    write(sessions, "src/parser.py", "v3\n")
    third = commit(sessions, "Add session: Later", "2026-01-03T10:00:00")
    return sessions, {"first": first, "second": second, "third": third}


@pytest.mark.parametrize(
    ("renames", "later", "parser"),
    [
        ((), "later.md  Later", "parser.md  Parser"),
        # The commits that carried an export, and the trailers that named it, knew it
        # by its old name: trace finds it under the one `git sess mv` gave it.
        (
            (("later", "Later work"), ("parser", "Parsing")),
            "later_work.md  Later work",
            "parsing.md  Parsing",
        ),
    ],
    ids=["as-written", "renamed-with-git-sess-mv"],
)
def test_trace_lists_sessions_newest_first_with_how_each_is_known(traced, renames, later, parser):
    repo, ids = traced
    for old, title in renames:
        assert sess(repo, "mv", old, title).code == 0
        commit(repo, f"Rename session: {title}", "2026-01-04T10:00:00")

    result = sess(repo, "trace", "src/parser.py")

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"2026-01-03  complete  session_20260103_{later}",
        f"    same commit {ids['third']}",
        f"2026-01-01  complete  session_20260101_{parser}",
        f"    listed as created · same commit {ids['first']} · trailer in {ids['second']}",
    ]
    assert result.err == ""


def test_trace_json_has_stable_keys(traced):
    repo, ids = traced
    result = sess(repo, "trace", "src/parser.py", "--json")

    assert result.code == 0, result.err
    found = json.loads(result.out)
    assert set(found) == TRACE_KEYS
    assert (found["path"], found["kind"], found["exists"]) == ("src/parser.py", "file", True)
    assert (found["names"], found["renames"], found["commits"]) == (["src/parser.py"], [], 3)
    assert found["shallow"] is None and found["unknown_trailers"] == []
    assert [s["id"] for s in found["sessions"]] == [
        "session_20260103_later.md",
        "session_20260101_parser.md",
    ]
    parser = found["sessions"][1]
    assert set(parser) == SESSION_KEYS
    assert parser["how"] == ["listed", "same-commit", "trailer"]
    assert parser["listed"] == [{"list": "created", "entry": "src/parser.py"}]
    assert [(c["subject"], c["how"], c["date"]) for c in parser["commits"]] == [
        ("Parse dates", "trailer", "2026-01-02"),
        ("Add session: Parser", "same-commit", "2026-01-01"),
    ]
    assert parser["commits"][0]["commit"].startswith(ids["second"])


def test_trace_from_a_subdirectory_and_from_the_top(traced):
    repo, _ = traced
    here = sess(repo / "src", "trace", "parser.py")
    top = sess(repo / "src", "trace", ":/src/parser.py")
    assert here.code == top.code == 0
    assert here.out == top.out == sess(repo, "trace", "src/parser.py").out


def test_a_folder(traced):
    repo, _ = traced
    found = json.loads(sess(repo, "trace", "src", "--json").out)
    assert found["kind"] == "directory" and found["names"] == ["src"]
    assert len(found["sessions"]) == 2


def test_a_file_no_session_touched_says_so_and_exits_1_as_git_grep_does(traced):
    repo, _ = traced
    write(repo, "other.py")
    commit(repo, "Unrelated")
    result = sess(repo, "trace", "other.py")

    assert result.code == 1
    assert result.out == ""
    assert result.err == (
        "git-sess: no session created or modified other.py: 1 commit(s) touched it,"
        " none with an export or a Session trailer, and no export lists it\n"
    )
    untracked = repo / "new.py"
    untracked.write_text("x\n")
    result = sess(repo, "trace", "new.py", "--json")
    assert result.code == 1 and json.loads(result.out)["sessions"] == []
    assert "no commit touched it and no export lists it" in result.err


def test_tracing_an_export_points_to_show(traced):
    repo, _ = traced
    result = sess(repo, "trace", ".sessions/session_20260103_later.md")
    assert result.code == 1
    assert "hint: it is an export: git sess show session_20260103_later.md" in result.err


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("src/typo.py", "src/typo.py: no such file or folder here, in the history"),
        ("../outside.py", "is outside the repository"),
        (".git/HEAD", "inside the .git directory"),
    ],
)
def test_paths_that_name_nothing_are_errors(traced, path, fragment):
    repo, _ = traced
    before = snapshot(repo)
    assert_one_line_error(sess(repo, "trace", path), fragment)
    assert snapshot(repo) == before


def test_renames_and_unknown_trailers_are_noted_on_stderr(sessions: Path):
    export(sessions, "session_20260101_parser.md", "Parser", FEATURE, date="2026-01-01")
    write(sessions, "src/parser.py", "one\ntwo\nthree\nfour\n")
    commit(sessions, "Add session: Parser")
    git(sessions, "mv", "src/parser.py", "src/parse.py")
    moved = commit(sessions, "Rename\n\nSession: session_gone", "2026-01-02T10:00:00")

    result = sess(sessions, "trace", "src/parse.py")

    assert result.code == 0
    assert "listed as created (src/parser.py)" in result.out
    assert result.err.splitlines() == [
        f"git-sess: note: followed a rename: src/parser.py -> src/parse.py in {moved}",
        f"git-sess: note: {moved} has the trailer 'Session: session_gone', which names no"
        " session here",
    ]
    json_run = sess(sessions, "trace", "src/parse.py", "--json")
    assert json_run.err == ""  # the JSON holds them
    assert json.loads(json_run.out)["renames"][0]["from"] == "src/parser.py"


def test_a_shallow_clone_warns_in_trace_and_show(traced, tmp_path: Path):
    repo, _ = traced
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    warning = (
        "git-sess: warning: history is shallow: commits before 2026-01-03 are not here"
        " (git fetch --unshallow brings them)"
    )
    for args in (["trace", "src/parser.py"], ["show", "parser"]):
        result = sess(clone, *args)
        assert result.code == 0, result.err
        assert warning in result.err.splitlines(), args
    found = json.loads(sess(clone, "trace", "src/parser.py", "--json").out)
    assert found["shallow"] == {"before": "2026-01-03"}
    # Parser is still listed; the clone's one commit carries every export, so it
    # says nothing about which went with the code.
    assert [s["how"] for s in found["sessions"]] == [["listed"]]
    # Nor does it say when Parser was committed: show names no commit for it.
    shown = sess(clone, "show", "parser").out.splitlines()
    assert "commits:   none here: committed before this shallow clone's history starts" in shown
    assert json.loads(sess(clone, "show", "parser", "--json").out)["shallow"] == {
        "before": "2026-01-03",
        "committed_before": True,
    }
    later = json.loads(sess(clone, "show", "later", "--json").out)
    assert later["commits_total"] == 0  # its commit is the one the clone starts from


# --- show: the commits that carry a session ------------------------------------------------


def test_show_lists_the_commits_of_the_export_newest_first(traced):
    repo, _ = traced
    export(repo, "session_20260101_parser.md", "Parser", FEATURE + "\nMore.\n", date="2026-01-01")
    update = commit(repo, "Update session: Parser", "2026-01-04T10:00:00")
    first = git(repo, "rev-parse", "--short=7", "HEAD~3").strip()

    lines = sess(repo, "show", "parser").out.splitlines()

    assert lines[7:10] == [
        "commits:   2, newest first",
        f"  {update} Update session: Parser",
        f"  {first} Add session: Parser",
    ]
    bounded = sess(repo, "show", "parser", "--commits", "1").out.splitlines()
    assert bounded[7:10] == [
        "commits:   2, newest first",
        f"  {update} Update session: Parser",
        "  … 1 more: git log --follow -- .sessions/session_20260101_parser.md",
    ]
    assert not any(
        line.startswith("commits:")
        for line in sess(repo, "show", "parser", "--commits", "0").out.splitlines()
    )


def test_show_json_carries_the_commits(traced):
    repo, ids = traced
    found = json.loads(sess(repo, "show", "parser", "--json", "--commits", "5").out)
    assert found["commits_total"] == 1 and found["shallow"] is None
    assert [(c["subject"], c["date"]) for c in found["commits"]] == [
        ("Add session: Parser", "2026-01-01")
    ]
    assert found["commits"][0]["commit"].startswith(ids["first"])


def test_show_follows_the_export_through_git_sess_mv(traced):
    repo, _ = traced
    result = sess(repo, "mv", "parser", "Parsing")
    assert result.code == 0, result.err
    moved = commit(repo, "Rename 1 session", "2026-01-05T10:00:00")

    lines = sess(repo, "show", "parsing").out.splitlines()

    assert lines[7] == "commits:   2, newest first"
    assert lines[8] == f"  {moved} Rename 1 session"
    assert lines[9].endswith(" Add session: Parser")


def test_show_of_an_export_not_committed(sessions: Path):
    export(sessions, "session_20260101_new.md", "New", "Text.", date="2026-01-01")
    lines = sess(sessions, "show", "new").out.splitlines()
    assert "commits:   none yet: the export is not committed" in lines


@pytest.mark.parametrize(
    ("where", "fragment"),
    [
        ("outside", "not a git repository"),
        ("bare", "bare repository"),
        ("git-dir", ".git directory"),
    ],
)
def test_trace_outside_a_work_tree(sessions: Path, tmp_path: Path, where, fragment):
    if where == "outside":
        place = tmp_path / "nowhere"
        place.mkdir()
        env = {"GIT_CEILING_DIRECTORIES": str(tmp_path)}
    elif where == "bare":
        place = tmp_path / "bare.git"
        git(tmp_path, "init", "-q", "--bare", str(place))
        env = {}
    else:
        place, env = sessions / ".git", {}
    result = sess(place, "trace", "src/x.py", env=env)
    assert_one_line_error(result, fragment)


def test_a_repository_without_commits_has_no_history_yet(tmp_path: Path):
    repo = tmp_path / "new"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    assert sess(repo, "init", "--no-hooks").code == 0
    export(repo, "session_20260101_first.md", "First", FEATURE, date="2026-01-01")

    traced = sess(repo, "trace", "src/parser.py")
    shown = sess(repo, "show", "first")

    assert traced.code == 0, traced.err
    assert traced.out.splitlines()[1] == "    listed as created"
    assert "commits:   none yet: the export is not committed" in shown.out.splitlines()


def test_show_stays_true_to_head_as_the_history_moves(traced):
    """What show lists is kept between runs (the sessions log) and follows HEAD:
    new commits, a reset that drops one, a damaged log file."""
    repo, ids = traced

    def listed() -> list[str]:
        found = json.loads(sess(repo, "show", "parser", "--json").out)
        assert len(found["commits"]) == found["commits_total"]
        return [c["subject"] for c in found["commits"]]

    assert listed() == ["Add session: Parser"]
    export(repo, "session_20260101_parser.md", "Parser", FEATURE + "\nMore.\n", date="2026-01-01")
    commit(repo, "Update session: Parser", "2026-01-04T10:00:00")
    assert listed() == ["Update session: Parser", "Add session: Parser"]

    git(repo, "reset", "-q", "--hard", "HEAD~1")
    assert listed() == ["Add session: Parser"]

    export(repo, "session_20260101_parser.md", "Parser", FEATURE + "\nOther.\n", date="2026-01-01")
    commit(repo, "Update session: Parser again", "2026-01-05T10:00:00")
    log = state_dir(repo) / "sessions-log.json"
    assert log.is_file()
    log.write_text('{"key": "damaged')
    assert listed() == ["Update session: Parser again", "Add session: Parser"]
    other = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", ids["third"])  # a detached HEAD elsewhere in the history
    assert listed() == ["Add session: Parser"]
    git(repo, "checkout", "-q", other)
    assert listed() == ["Update session: Parser again", "Add session: Parser"]
