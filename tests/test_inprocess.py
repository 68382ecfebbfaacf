"""tests/inprocess.py: a `git sess` run inside the test process gives what a real process
gives (the same bytes, exit code and files), and leaves this process as it found it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import inprocess
import pytest
from builders import export, session_name
from conftest import (
    Result,
    copy_repository,
    file_size_limited,
    git,
    sess,
    sess_process,
    snapshot,
)

from gitsess.assistant.locating import project_slug

# A sample of what the commands print: tables, documents, errors and hints, usage errors,
# help, a note's control characters escaped by the output guard, files written.
SAMPLE = [
    ("list",),
    ("list", "--format", "json"),
    ("show", "escaped"),
    ("check",),
    ("index", "--check"),
    ("index",),
    ("context",),
    ("graph", "--format", "dot"),
    ("timeline",),
    ("new", "Written both ways", "--date", "2026-02-01", "--tag", "x"),
    ("update", "written_both", "--status", "complete"),
    ("show", "no_such_session"),  # exit 1, an error and a hint
    ("list", "--no-such-option"),  # a usage error, exit 2
    ("lsit",),  # an unknown command, "Did you mean"
    ("new", "-h"),
    ("--version",),
    ("hooks", "install"),  # stubs naming the interpreter of the git-sess script
    ("status",),
    ("search", "work"),  # the first search builds the index
    ("search", "--json", "escaped"),
    ("search", "nothing_of_the_kind"),  # exit 1, "no matches"
    ("search", "date:2025-13-01"),  # an error
    ("reindex",),
]


@pytest.fixture
def filled(sessions: Path) -> Path:
    export(sessions, session_name("plain"), "Plain", "Some work.", tags=["a"])
    export(
        sessions,
        session_name("escaped", "2026-01-02"),
        "Escaped \x1b[31mred\x1b[0m title",
        "Body with a bell \x07 and a tab\t.",
        date="2026-01-02",
        extra=f"continues: {session_name('plain')}\n",
    )
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "two exports")
    return sessions


def test_the_sample_runs_in_process(filled: Path) -> None:
    assert all(inprocess.runs_in_process(args, None, filled) for args in SAMPLE)


def test_in_process_output_is_a_process_output_byte_for_byte(filled: Path, tmp_path: Path) -> None:
    other = copy_repository(filled, tmp_path / "other")
    for args in SAMPLE:
        here = sess(filled, *args)
        there = sess_process(other, *args)
        assert _same_place(here, filled) == _same_place(there, other), args
        assert snapshot(filled) == snapshot(other), args
        hooks = [p.name for p in sorted((filled / ".git" / "hooks").iterdir())]
        for hook in hooks:
            ours = (filled / ".git" / "hooks" / hook).read_text(encoding="utf-8")
            theirs = (other / ".git" / "hooks" / hook).read_text(encoding="utf-8")
            assert _placed(ours, filled) == _placed(theirs, other), hook
    codes = {sess(filled, *args).code for args in SAMPLE}
    assert codes == {0, 1, 2}  # successes and both kinds of failure were compared


def test_a_subdirectory_and_the_environment_reach_the_command(filled: Path, tmp_path: Path) -> None:
    other = copy_repository(filled, tmp_path / "other")
    (filled / "sub").mkdir()
    (other / "sub").mkdir()
    now = {"GIT_SESS_NOW": "2026-03-04T05:06:07+00:00"}
    here = sess(filled / "sub", "new", "From below", env=now)
    there = sess_process(other / "sub", "new", "From below", env=now)
    assert here == there
    assert here.code == 0 and "20260304" in here.out
    assert snapshot(filled) == snapshot(other)


def test_a_run_leaves_this_process_as_it_was(filled: Path) -> None:
    before = _process_state()
    for args in (("list",), ("show", "no_such_session"), ("list", "--bad"), ("init",)):
        sess(filled, *args, env={"NO_COLOR": "1"})
        assert _process_state() == before, args


def _process_state() -> tuple[object, ...]:
    """What a run changes in this process while it lasts."""
    return (
        dict(os.environ),
        os.getcwd(),
        list(sys.argv),
        sys.executable,
        sys.stdin,
        sys.stdout,
        sys.stderr,
        sys.__stdout__,
        signal.getsignal(signal.SIGINT),
        [os.fstat(fd).st_ino for fd in (0, 1, 2)],
    )


def test_what_must_be_a_process_is_one(filled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not inprocess.runs_in_process(("search", "x"), None)  # where: not known
    assert not inprocess.runs_in_process(("server", "stop"), None)
    assert not inprocess.runs_in_process(("hook", "claude", "Stop"), None)
    assert not inprocess.runs_in_process(("--help",), None)
    assert not inprocess.runs_in_process(("mv", "a", "b"), {"GIT_SESS_FAULT_STEP": "3"})
    assert not inprocess.runs_in_process(("new", "x"), {"TZ": "Europe/Paris"})
    assert inprocess.runs_in_process(("new", "x"), {"GIT_SESS_NOW": "2026-01-01"})
    other: list[bool] = []
    thread = threading.Thread(
        target=lambda: other.append(inprocess.runs_in_process(("list",), None))
    )
    thread.start()
    thread.join()
    assert other == [False]  # a run changes the whole process: never from two threads


def test_a_search_runs_here_only_with_no_server_and_few_sessions(
    filled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert inprocess.runs_in_process(("search", "x"), None, filled)
    assert not inprocess.runs_in_process(("search", "x"), {"GITSESS_SEARCH_SERVER": "1"}, filled)
    monkeypatch.delenv("GITSESS_SEARCH_SERVER")  # a search would start a server
    assert not inprocess.runs_in_process(("search", "x"), None, filled)
    monkeypatch.setenv("GITSESS_SEARCH_SERVER", "0")
    state = git(filled, "rev-parse", "--path-format=absolute", "--git-path", "gitsess")
    socket = Path(state.strip()) / "search.sock"
    socket.parent.mkdir(parents=True, exist_ok=True)
    socket.touch()  # a server's socket: the client in this process would ask it
    assert not inprocess.runs_in_process(("reindex",), None, filled)
    socket.unlink()
    from gitsess.search.backend import PARALLEL_BUILD_MIN

    there = sum(len(files) for _, _, files in os.walk(filled / ".sessions"))
    for n in range(PARALLEL_BUILD_MIN - there):  # enough for Whoosh's writer processes
        (filled / ".sessions" / f"filler_{n}.md").touch()
    assert not inprocess.runs_in_process(("search", "x"), None, filled / ".sessions")
    (filled / ".sessions" / "filler_0.md").unlink()
    assert inprocess.runs_in_process(("search", "x"), None, filled / ".sessions")


@pytest.mark.process
def test_the_process_marker_makes_every_run_a_process(
    sessions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def in_process(*args: object) -> None:
        raise AssertionError("ran in the test process")

    monkeypatch.setattr(inprocess, "run", in_process)
    assert sess(sessions, "list").code == 0


def _same_place(result: Result, repo: Path) -> Result:
    """A result with its repository's path written REPO, to compare two copies."""
    return Result(result.code, _placed(result.out, repo), _placed(result.err, repo))


def _placed(text: str, repo: Path) -> str:
    return text.replace(str(repo), "REPO").replace(project_slug(repo), "SLUG")


def test_a_child_under_a_file_size_limit_leaves_the_bytecode_cache_usable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache is cold when `git sess` ran in the test process: a child with a file
    size limit (tests of a full disk) must not leave .pyc files cut short in it, or
    the next git-sess process fails to import ("marshal data too short"; a `git sess
    commit` exited 130 in the staging stress test, as click turns the EOFError into
    an Abort)."""
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(tmp_path / "bytecode"))  # cold
    importing = [sys.executable, "-c", "import gitsess.cli.app, gitsess.hooks.sesscommit"]
    limited = subprocess.run(importing, capture_output=True, text=True, **file_size_limited(2048))
    assert limited.returncode == 0, limited.stderr

    after = subprocess.run(importing, capture_output=True, text=True)

    assert (after.returncode, after.stderr) == (0, "")
