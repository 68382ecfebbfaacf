"""A state directory or search index git sess may not read (chmod 000): a
one-line error with the fix, exit 1, never an unexpected PermissionError."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from builders import export, state_dir
from conftest import assert_one_line_error, git, sess, sess_without_dac


@pytest.fixture
def searched(sessions: Path) -> Path:
    export(sessions, "session_20260101_parser.md", body="The parser is fixed.\n")
    assert sess(sessions, "search", "parser").code == 0
    return sessions


@pytest.mark.parametrize("locked", ["gitsess", "gitsess/search"])
def test_an_unreadable_state_dir_or_index_is_said_with_its_fix(searched: Path, locked: str):
    folder = searched / ".git" / locked
    export(searched, "session_20260102_more.md")  # the next search must look inside
    folder.chmod(0)
    try:
        result = sess_without_dac(searched, "search", "parser")
    finally:
        folder.chmod(0o755)
    assert_one_line_error(result, f"cannot use {folder}", "chmod u+rwX")


def test_an_unreadable_old_index_does_not_stop_later_rebuilds(searched: Path):
    search = state_dir(searched) / "search"
    old = search.with_name("search.old-999")
    shutil.move(search, old)
    old.chmod(0)
    try:
        for _ in range(2):
            result = sess_without_dac(searched, "reindex")
            assert result.code == 0, result.err
        found = sess_without_dac(searched, "search", "parser")
    finally:
        old.chmod(0o755)
    assert found.code == 0 and "parser" in found.out


def test_the_pre_commit_hook_says_a_permission_error_in_one_line(searched: Path):
    assert sess(searched, "hooks", "install").code == 0
    git(searched, "add", "-A")
    state = state_dir(searched)
    state.chmod(0)
    try:
        result = sess_without_dac(searched, "commit", "-m", "sessions")
        hooked = subprocess.run(
            [
                "setpriv",
                "--bounding-set=-dac_override,-dac_read_search",
                "--",
                "git",
                "commit",
                "-qm",
                "sessions",
            ],
            cwd=searched,
            capture_output=True,
            text=True,
        )
    finally:
        state.chmod(0o755)
    assert "unexpected" not in result.err and "Traceback" not in result.err
    assert "unexpected" not in hooked.stderr, hooked.stderr
