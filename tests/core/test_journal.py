"""Journaled multi-file operations: a process killed before any step of a plan
leaves files that the next `git sess` command finishes exactly as a clean run
leaves them (issue 16, "the import is safe")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import (
    assert_one_line_error,
    copy_repository,
    git,
    init_repository,
    init_sessions,
    isolated_build,
    sess,
    snapshot,
)

from gitsess.core.errors import GitSessError
from gitsess.core.journal import Move, Write, finish_pending, run_journaled
from gitsess.core.workspace import open_workspace

KILLED = 137  # what the fault hook exits with, as a SIGKILL would be reported
# Four files: three moved and rewritten, one new.
FINISHED = "git-sess: finished an interrupted reorganise (4 files)"

# Three tracked notes brought into the sessions directory (one into a folder that does
# not exist yet), their folders left empty behind them; four files rewritten.
BODY = "".join(f"Line {n} of what the session did, kept byte for byte.\n" for n in range(30))
NOTES = {
    "notes/2026-01-01-alpha.md": "# Alpha\n\n" + BODY,
    "notes/2026-01-02 beta: to do.md": "# Beta\n\n" + BODY,
    "deep/er/2026-01-03-gamma.md": "# Gamma\n\n" + BODY,
}


def exported(title: str, date: str) -> str:
    head = f"---\ntitle: {title}\ndate: {date}\ntype: feature\nstatus: complete\n---\n"
    return f"{head}# {title}\n\n{BODY}"


PLAN = {
    "operation": "reorganise",  # not an import: the index is left to its caller
    "moves": [
        ["notes/2026-01-01-alpha.md", ".sessions/session_20260101_alpha.md"],
        ["notes/2026-01-02 beta: to do.md", ".sessions/session_20260102_beta.md"],
        ["deep/er/2026-01-03-gamma.md", ".sessions/archive/session_20260103_gamma.md"],
    ],
    "writes": [
        [".sessions/session_20260101_alpha.md", exported("Alpha", "2026-01-01")],
        [".sessions/session_20260102_beta.md", exported("Beta", "2026-01-02")],
        [".sessions/archive/session_20260103_gamma.md", exported("Gamma", "2026-01-03")],
        ["docs/index/SESSIONS.md", "- session_20260101_alpha.md\n- session_20260102_beta.md\n"],
    ],
}
STEPS = len(PLAN["moves"]) + len(PLAN["writes"])  # 7; one more: removing the journal

# What `git sess import` does, in a process of its own: the write lock, then the plan.
RUN_PLAN = """
import json, sys
from gitsess.core.errors import GitSessError
from gitsess.core.journal import Move, Write, run_journaled
from gitsess.core.workspace import open_workspace
plan = json.loads(sys.argv[1])
workspace = open_workspace()
try:
    with workspace.write_lock():
        run_journaled(
            workspace,
            plan["operation"],
            [Move(source, target) for source, target in plan["moves"]],
            [Write(path, text.encode("utf-8")) for path, text in plan["writes"]],
        )
except GitSessError as error:
    sys.exit(f"git-sess: error: {error.message}")
"""


def run_plan(repo: Path, plan: dict = PLAN, fault: int | None = None) -> int:
    env = {key: value for key, value in os.environ.items() if key != "GIT_SESS_FAULT_STEP"}
    if fault is not None:
        env["GIT_SESS_FAULT_STEP"] = str(fault)
    done = subprocess.run(
        [sys.executable, "-c", RUN_PLAN, json.dumps(plan)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode


def journal(repo: Path) -> Path:
    return repo / git(repo, "rev-parse", "--git-path", "gitsess").strip() / "journal.json"


def state(repo: Path) -> tuple[dict[str, bytes], list[str], str]:
    """Every file with its bytes, every folder, and what git's index and status say."""
    folders = sorted(
        str(path.relative_to(repo))
        for path in repo.rglob("*")
        if path.is_dir() and ".git" not in path.relative_to(repo).parts
    )
    return snapshot(repo), folders, git(repo, "status", "--porcelain", "--untracked-files=all")


def staged_renames(repo: Path) -> set[tuple[str, str]]:
    """(source, target) of every rename git's index holds."""
    fields = git(repo, "status", "--porcelain=v1", "-z").split("\0")
    renames = set()
    while fields and fields[0]:
        record = fields.pop(0)
        if record[0] == "R":  # the source follows as a field of its own
            renames.add((fields.pop(0), record[3:]))
    return renames


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with the notes of the plan committed, made once and copied per test."""
    with isolated_build(tmp_path_factory) as place:
        return committed_notes(place / "repo", NOTES)


def committed_notes(path: Path, notes: dict[str, str]) -> Path:
    """A repository after `git sess init`, with `notes` (path -> text) committed."""
    repo = init_sessions(init_repository(path))
    for name, text in notes.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hand-kept notes")
    return repo


@pytest.fixture(scope="module")
def clean_run(planned: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """What an uninterrupted run leaves."""
    with isolated_build(tmp_path_factory) as place:
        repo = copy_repository(planned, place / "clean")
        assert run_plan(repo) == 0
        return state(repo)


@pytest.fixture
def repo(planned: Path, tmp_path: Path) -> Path:
    return copy_repository(planned, tmp_path / "repo")


# --- a clean run --------------------------------------------------------------------------


def test_a_clean_run_moves_with_git_and_leaves_no_journal(repo: Path, clean_run: tuple) -> None:
    assert run_plan(repo) == 0
    files, folders, status = state(repo)
    assert (files, folders, status) == clean_run
    assert not journal(repo).exists()
    assert staged_renames(repo) == {(source, target) for source, target in PLAN["moves"]}
    for path, text in PLAN["writes"]:
        assert files[path] == text.encode("utf-8")
    assert not any(folder.startswith(("notes", "deep")) for folder in folders)
    # History follows the notes across the move and the rewrite.
    git(repo, "commit", "-q", "-m", "import")
    follow = git(repo, "log", "--follow", "--format=%s", "--", PLAN["moves"][0][1])
    assert follow.split() == ["import", "hand-kept", "notes"]


# --- interrupted at every step, finished by the next command --------------------------------


@pytest.mark.parametrize("step", range(1, STEPS + 2))
def test_killed_before_any_step_the_next_command_finishes_it(
    repo: Path, clean_run: tuple, step: int
) -> None:
    before = state(repo)
    assert run_plan(repo, fault=step) == KILLED
    assert journal(repo).is_file()
    if step == 1:  # the journal is written before anything changes
        assert state(repo) == before

    result = sess(repo, "list")

    assert result.code == 0, result.err
    assert result.err.splitlines() == [FINISHED]
    assert state(repo) == clean_run
    assert staged_renames(repo) == {(source, target) for source, target in PLAN["moves"]}
    assert not journal(repo).exists()
    again = sess(repo, "list")  # finished once: nothing more to say
    assert again.code == 0 and again.err == ""
    assert state(repo) == clean_run


def test_a_recovery_killed_in_turn_is_finished_by_the_command_after(
    repo: Path, clean_run: tuple
) -> None:
    assert run_plan(repo, fault=3) == KILLED
    killed = sess(repo, "list", env={"GIT_SESS_FAULT_STEP": "6"})
    assert killed.code == KILLED, killed.err
    assert journal(repo).is_file()

    result = sess(repo, "list")

    assert result.err.splitlines() == [FINISHED]
    assert state(repo) == clean_run


def test_a_file_renamed_by_git_mv_before_git_wrote_its_index_is_staged_as_a_rename(
    repo: Path, clean_run: tuple
) -> None:
    # SIGKILL inside `git mv`, between its rename(2) and its index write, leaves this.
    assert run_plan(repo, fault=1) == KILLED
    source, target = PLAN["moves"][0]
    os.rename(repo / source, repo / target)
    assert f"?? {target}" in git(repo, "status", "--porcelain")

    assert sess(repo, "list").err.splitlines() == [FINISHED]

    assert state(repo) == clean_run


def test_a_journal_whose_owner_still_runs_is_left_to_it(repo: Path, clean_run: tuple) -> None:
    assert run_plan(repo, fault=4) == KILLED
    pending = journal(repo).read_bytes()
    workspace = open_workspace(repo)
    with workspace.write_lock():  # held as the running import holds it
        assert finish_pending(workspace) is None
        result = sess(repo, "list")
        assert result.code == 0 and "finished" not in result.err
        assert journal(repo).read_bytes() == pending

    assert finish_pending(workspace) == FINISHED
    assert state(repo) == clean_run


def test_a_pending_journal_is_never_overwritten_by_a_new_operation(repo: Path) -> None:
    assert run_plan(repo, fault=2) == KILLED
    pending = journal(repo).read_bytes()
    workspace = open_workspace(repo)
    with pytest.raises(GitSessError, match="still journaled"), workspace.write_lock():
        run_journaled(workspace, "import", [], [Write("docs/other.md", b"x\n")])
    assert journal(repo).read_bytes() == pending
    assert not (repo / "docs" / "other.md").exists()


# --- nothing pending, or a journal that cannot be read ----------------------------------------


def test_nothing_pending_costs_nothing_and_creates_nothing(repo: Path) -> None:
    state_dir = journal(repo).parent
    before = sorted(path.name for path in state_dir.iterdir())
    workspace = open_workspace(repo)
    assert finish_pending(workspace) is None

    result = sess(repo, "list")

    assert result.code == 0 and result.err == ""
    after = sorted(path.name for path in state_dir.iterdir())
    assert not [name for name in after if name.startswith("journal")]
    assert not [name for name in before if name.startswith("journal")]


@pytest.mark.parametrize(
    "content",
    [
        b'{"format": 1, "operation": "import", "moves": [',  # cut short
        b"\x00\xff not json at all",
        b'{"format": 99, "operation": "import", "moves": [], "writes": []}',
        b'{"format": 1, "operation": "import", "moves": [], "writes": [{"path": "a.md"}]}',
        b'{"format": 1, "operation": "import\\u001b[2J", "moves": [], "writes": []}',
        b'{"format": 1, "operation": "import", "moves": [], '
        b'"writes": [{"path": "../outside.md", "content": "eAo="}]}',
        b'{"format": 1, "operation": "import", "moves": [], '
        b'"writes": [{"path": "a.md", "content": "not base64!"}]}',
        b"[]",
    ],
)
def test_an_unreadable_journal_is_set_aside_with_a_warning(
    repo: Path, tmp_path: Path, content: bytes
) -> None:
    path = journal(repo)
    path.write_bytes(content)
    before = state(repo)

    result = sess(repo, "list")

    assert result.code == 0, result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("git-sess: warning: "), result.err
    assert "could not be read" in lines[0] and "\x1b" not in result.err
    assert not path.exists()
    kept = [p for p in path.parent.iterdir() if p.name.startswith("journal.unreadable-")]
    assert [p.read_bytes() for p in kept] == [content]
    assert state(repo) == before
    assert not (tmp_path / "outside.md").exists()


# --- a plan that cannot be done changes nothing --------------------------------------------


def test_a_symlinked_folder_leading_outside_is_refused_before_anything_changes(
    repo: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "docs").symlink_to(outside, target_is_directory=True)
    before = state(repo)
    plan = {**PLAN, "writes": [*PLAN["writes"][:3], ["docs/index/SESSIONS.md", "x\n"]]}

    assert run_plan(repo, plan) == 1

    assert state(repo) == before
    assert list(outside.iterdir()) == []
    assert not journal(repo).exists()
    workspace = open_workspace(repo)
    with pytest.raises(GitSessError) as raised:
        run_journaled(workspace, "import", [Move(*PLAN["moves"][0])], [Write("docs/a.md", b"")])
    assert "docs/ leads outside the work tree" in raised.value.message
    assert raised.value.hint and "real directory" in raised.value.hint
    assert state(repo) == before
    # A move into the link is refused the same way.
    with pytest.raises(GitSessError, match="outside the work tree"):
        run_journaled(workspace, "import", [Move(PLAN["moves"][0][0], "docs/a.md")], [])
    assert state(repo) == before and list(outside.iterdir()) == []


def test_a_symlink_as_a_written_file_is_refused(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private\n")
    (repo / "link.md").symlink_to(secret)
    before = state(repo)
    with pytest.raises(GitSessError, match="symbolic link"):
        run_journaled(open_workspace(repo), "import", [], [Write("link.md", b"x\n")])
    assert state(repo) == before
    assert secret.read_text() == "private\n"


@pytest.mark.parametrize(
    ("moves", "fragment"),
    [
        ([Move("notes/missing.md", ".sessions/m.md")], "no such file"),
        ([Move("notes/2026-01-01-alpha.md", "README.md")], "README.md already exists"),
        (
            [
                Move("notes/2026-01-01-alpha.md", ".sessions/x.md"),
                Move("deep/er/2026-01-03-gamma.md", ".sessions/x.md"),
            ],
            "moved to twice",
        ),
        ([Move("notes/2026-01-01-alpha.md", "../x.md")], "not a path inside"),
        ([Move("/etc/hostname", ".sessions/x.md")], "not a path inside"),
    ],
)
def test_a_plan_that_cannot_be_done_changes_nothing(
    repo: Path, moves: list[Move], fragment: str
) -> None:
    before = state(repo)
    with pytest.raises(GitSessError, match=fragment):
        run_journaled(open_workspace(repo), "import", moves, [Write("docs/a.md", b"x\n")])
    assert state(repo) == before
    assert not journal(repo).exists()


def test_a_step_that_fails_keeps_the_journal_and_says_how_to_go_on(repo: Path) -> None:
    # A folder where a file must be written: the write fails half way through the plan.
    (repo / "docs" / "index" / "SESSIONS.md").mkdir(parents=True)
    (repo / "docs" / "index" / "SESSIONS.md" / "keep").write_text("x\n")

    code = run_plan(repo)

    assert code == 1
    assert journal(repo).is_file()
    result = sess(repo, "list")
    assert_one_line_error(result, "the reorganise is half done", "docs/index/SESSIONS.md")
    assert "journal.json" in result.err  # the hint names what to remove to give up
    (repo / "docs" / "index" / "SESSIONS.md" / "keep").unlink()
    (repo / "docs" / "index" / "SESSIONS.md").rmdir()
    assert sess(repo, "list").err.splitlines() == [FINISHED]
    assert not journal(repo).exists()


# --- `git sess import`, killed before any of its steps ---------------------------------------

HAND_KEPT = {
    "docs/sessions/2026-01-05-setup.md": "# Session: Project setup\n**Date**: 2026-01-05\n" + BODY,
    "docs/sessions/retro.md": "# Sprint Retro\n**Date:** 2026-01-07\n**Status:** Done\n" + BODY,
}


@pytest.fixture(scope="module")
def hand_kept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple]:
    """A repository with notes kept in docs/sessions, and what a clean import leaves."""
    with isolated_build(tmp_path_factory) as place:
        repo = committed_notes(place / "repo", HAND_KEPT)
        clean = copy_repository(repo, place / "clean")
        assert sess(clean, "import", "docs/sessions").code == 0
        return repo, state(clean)


@pytest.mark.parametrize("step", range(1, 6))  # two moves, two writes, removing the journal
def test_an_import_killed_before_any_step_is_finished_by_the_next_command(
    hand_kept: tuple[Path, tuple], tmp_path: Path, step: int
) -> None:
    template, clean = hand_kept
    repo = copy_repository(template, tmp_path / "repo")

    killed = sess(repo, "import", "docs/sessions", env={"GIT_SESS_FAULT_STEP": str(step)})

    assert killed.code == KILLED, killed.err
    result = sess(repo, "list")
    assert result.code == 0, result.err
    assert result.err.splitlines() == ["git-sess: finished an interrupted import (2 files)"]
    for name in ("2026-01-05-setup.md", "session_20260107_sprint_retro.md"):  # dated: kept
        assert name in result.out
    assert not journal(repo).exists()
    # The import writes the index once the files are done: the next `index` (or commit) does.
    assert sess(repo, "index").code == 0
    assert state(repo) == clean
    assert not (repo / "docs").exists()
