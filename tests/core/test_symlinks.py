"""Symbolic links a cloned repository can carry: git-sess never reads or writes
through one that leads out of the work tree (core/files.py `require_inside`)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import BIN_DIR, assert_one_line_error, git, sess, snapshot

from gitsess.core.errors import GitSessError
from gitsess.core.files import require_inside

PRIVATE = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the repository, standing for ~/.ssh or /etc."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "id_rsa").write_text(PRIVATE)
    return path


def files_of(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


# --- the rule itself ------------------------------------------------------------------


def test_require_inside_follows_links_that_stay_and_refuses_those_that_leave(
    tmp_path: Path, outside: Path
) -> None:
    root = tmp_path / "work"
    (root / "docs").mkdir(parents=True)
    (root / "here").symlink_to(root / "docs")
    (root / "away").symlink_to(outside)
    (root / "loop").symlink_to(root / "loop")
    assert require_inside(root / "here" / "x.md", root) == (root / "docs" / "x.md").resolve()
    assert require_inside(root / "missing" / "x.md", root) == (root / "missing/x.md").resolve()
    with pytest.raises(GitSessError, match=r"away/id_rsa leads outside the work tree"):
        require_inside(root / "away" / "id_rsa", root)
    with pytest.raises(GitSessError, match="a loop of symbolic links"):
        require_inside(root / "loop", root)


# --- each place a cloned repository could put one ---------------------------------------


def precompact(repo: Path) -> subprocess.CompletedProcess[str]:
    payload = {
        "session_id": "abc",
        "transcript_path": "",
        "cwd": str(repo),
        "hook_event_name": "PreCompact",
        "trigger": "auto",
    }
    return subprocess.run(
        [str(BIN_DIR / "git-sess"), "hook", "claude", "PreCompact"],
        cwd=repo,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_checkpoints_folder_linked_outside_receives_nothing(sessions: Path, outside: Path):
    (sessions / ".sessions" / "checkpoints").symlink_to(outside)
    before = files_of(outside)

    assert_one_line_error(
        sess(sessions, "checkpoint", "Leak"),
        ".sessions/checkpoints leads outside the work tree",
    )
    hooked = precompact(sessions)  # the hook Claude Code runs unasked: exit 0, logged

    assert (hooked.returncode, hooked.stdout, hooked.stderr) == (0, "", "")
    assert files_of(outside) == before
    log = sess(sessions, "assistant", "log", "-n", "1").out
    assert "leads outside the work tree" in log


def test_checkpoints_folder_linked_inside_is_followed(sessions: Path) -> None:
    kept = sessions / "kept"
    kept.mkdir()
    (sessions / ".sessions" / "checkpoints").symlink_to(kept)
    result = sess(sessions, "checkpoint", "Here")
    assert result.code == 0, result.err
    assert [p.name for p in kept.iterdir()][0].endswith("_Here_ccp.md")


def test_gitattributes_linked_outside_is_neither_copied_nor_changed(
    sessions: Path, outside: Path
) -> None:
    (sessions / ".gitattributes").symlink_to(outside / "id_rsa")
    before = snapshot(sessions)

    for args in (("hooks", "install"), ("hooks", "uninstall")):
        assert_one_line_error(sess(sessions, *args), ".gitattributes leads outside the work tree")

    assert (outside / "id_rsa").read_text() == PRIVATE
    assert snapshot(sessions) == before
    files = [p for p in sessions.rglob("*") if p.is_file() and not p.is_symlink()]
    assert [p for p in files if PRIVATE in p.read_text("latin-1")] == []


def test_gitattributes_linked_inside_is_written_through(sessions: Path) -> None:
    (sessions / "attributes").write_text("*.png binary\n")
    (sessions / ".gitattributes").symlink_to("attributes")
    assert sess(sessions, "hooks", "install").code == 0
    assert (sessions / ".gitattributes").is_symlink()
    text = (sessions / "attributes").read_text()
    assert text.startswith("*.png binary\n") and "merge=" in text


@pytest.mark.parametrize("linked", ["file", "folder"])
@pytest.mark.parametrize("scope", ["--shared", "--local"])
def test_claude_settings_linked_outside_are_not_rewritten(
    sessions: Path, outside: Path, linked: str, scope: str
) -> None:
    name = "settings.json" if scope == "--shared" else "settings.local.json"
    (outside / name).write_text('{"model": "opus", "token": "private"}\n')
    claude = sessions / ".claude"
    if linked == "file":
        claude.mkdir()
        (claude / name).symlink_to(outside / name)
    else:
        claude.symlink_to(outside)
    before = (files_of(outside), snapshot(sessions))

    for args in (("install", scope), ("uninstall", scope)):
        assert_one_line_error(
            sess(sessions, "assistant", *args), f"{name} leads outside the work tree"
        )

    assert (files_of(outside), snapshot(sessions)) == before
    status = sess(sessions, "assistant", "status")
    assert status.code == 0 and "leads outside the work tree" in status.out


def test_templates_folder_linked_outside_is_not_read(sessions: Path, outside: Path) -> None:
    (outside / "session-feature.md").write_text("## Key\n" + PRIVATE)
    (sessions / ".sessions" / "templates").symlink_to(outside)
    before = snapshot(sessions)

    assert_one_line_error(
        sess(sessions, "new", "Leak"), ".sessions/templates leads outside the work tree"
    )

    assert snapshot(sessions) == before


def test_sessions_folder_linked_outside_is_refused_by_writing_commands(
    repo: Path, outside: Path
) -> None:
    (repo / ".sessions").symlink_to(outside)
    before = files_of(outside)
    for args in (("new", "Leak"), ("check",), ("checkpoint",), ("reindex",)):
        result = sess(repo, *args)
        assert_one_line_error(result, ".sessions leads outside the work tree")
    assert files_of(outside) == before
    git(repo, "status")  # the repository itself is untouched and sound
    assert os.path.islink(repo / ".sessions")


# --- what check and the pre-commit hook say of links ----------------------------------------


@pytest.mark.parametrize("folder", ["checkpoints", "templates"])
def test_check_names_a_folder_linked_outside(sessions: Path, outside: Path, folder: str):
    (sessions / ".sessions" / folder).symlink_to(outside)
    result = sess(sessions, "check")
    assert result.code == 1
    said = f"error: .sessions/{folder}: .sessions/{folder} leads outside the work tree"
    assert said in result.out, result.out


def test_an_export_linked_outside_is_named_by_check_and_refused_by_the_hook(
    hooked: Path, outside: Path
) -> None:
    link = hooked / ".sessions" / "session_20261201_link.md"
    link.symlink_to(outside / "id_rsa")

    checked = sess(hooked, "check")
    assert checked.code == 1
    assert "error: .sessions/session_20261201_link.md: a symbolic link, not a file" in checked.out
    assert "OPENSSH" not in checked.out + checked.err

    git(hooked, "add", "-A")
    head = git(hooked, "rev-parse", "HEAD")
    done = subprocess.run(["git", "commit", "-q", "-m", "link"], cwd=hooked, capture_output=True)
    assert done.returncode == 1
    assert b"session_20261201_link.md: a symbolic link, not a file" in done.stderr
    assert git(hooked, "rev-parse", "HEAD") == head

    refused = sess(hooked, "commit")
    assert refused.code == 1 and "a symbolic link, not a file" in refused.err
    assert git(hooked, "rev-parse", "HEAD") == head


def test_a_sessions_folder_linked_outside_is_refused_by_the_hook_by_name(
    hooked: Path, outside: Path
) -> None:
    subprocess.run(["git", "rm", "-q", "-r", "--cached", ".sessions"], cwd=hooked, check=True)
    (hooked / ".sessions").rename(hooked / "old-sessions")
    (hooked / ".sessions").symlink_to(outside)
    git(hooked, "add", "-A")

    done = subprocess.run(["git", "commit", "-q", "-m", "link"], cwd=hooked, capture_output=True)

    assert done.returncode == 1
    assert b"git-sess: error: .sessions leads outside the work tree" in done.stderr
    assert b"update-index" not in done.stderr
    assert files_of(outside) == {"id_rsa": PRIVATE.encode()}
