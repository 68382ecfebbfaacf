"""The work tree's listing the pre-commit stub starts beside Python and pipes in
(git-hooks/hook.sh, hooks/overlay.py): used when git finished it, asked again
otherwise, and only for the directory it was made for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from builders import export_text, session_name, write_export
from conftest import git

from gitsess.hooks.overlay import LISTED_MARK, LISTING_VARIABLE

INDEX = ".sessions/session_index.md"


def staged_in_part(repo: Path) -> None:
    """An export whose staged title is not the work tree's (the work tree differs)."""
    name = session_name("listed", "2026-03-01")
    write_export(repo, name, export_text("Listed", "## Objectives\n- list it"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "listed")
    write_export(repo, name, export_text("Listed staged", "## Objectives\n- list it"))
    git(repo, "add", "-A")
    write_export(repo, name, export_text("Listed in the work tree", "## Objectives\n- list it"))


def pre_commit(repo: Path, listing: bytes, prefix: str = ".sessions/") -> None:
    """The pre-commit hook as the stub runs it, `listing` on its standard input."""
    env = {**os.environ, LISTING_VARIABLE: prefix}
    done = subprocess.run(
        [sys.executable, "-m", "gitsess.hooks", "pre-commit"],
        cwd=repo,
        input=listing,
        capture_output=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr


def test_the_piped_listing_is_what_the_hook_goes_by(hooked: Path) -> None:
    staged_in_part(hooked)
    pre_commit(hooked, LISTED_MARK)  # git listed nothing: the work tree is as staged
    assert "Listed staged" in (hooked / INDEX).read_text(encoding="utf-8")


def test_the_stub_lists_the_work_tree_beside_python(hooked: Path, tmp_path: Path) -> None:
    """A real commit: the listing is git's child of the stub's shell, not of Python
    (git's trace names each process's ancestors), and the hook goes by it."""
    staged_in_part(hooked)
    trace = tmp_path / "trace2.json"
    env = {**os.environ, "GIT_TRACE2_EVENT": str(trace)}
    done = subprocess.run(
        ["git", "commit", "-qm", "in part"], cwd=hooked, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    argv = {event["sid"]: event["argv"] for event in events if event["event"] == "start"}
    listings = [
        event["ancestry"]
        for event in events
        if event["event"] == "cmd_ancestry" and "--modified" in argv.get(event["sid"], [])
    ]
    assert len(listings) == 1
    assert not listings[0][0].startswith("python"), listings
    assert "Listed in the work tree" in (hooked / INDEX).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("listing", "prefix"),
    [
        (b"", ".sessions/"),  # git did not finish (no mark): asked again
        (b".sessions/x.md\0", ".sessions/"),  # cut short before the mark
        (LISTED_MARK, "notes/"),  # listed for another directory
    ],
)
def test_a_listing_not_finished_or_for_another_directory_is_not_used(
    hooked: Path, listing: bytes, prefix: str
) -> None:
    staged_in_part(hooked)
    pre_commit(hooked, listing, prefix)
    # git was asked: the work tree's index follows the work tree's export
    assert "Listed in the work tree" in (hooked / INDEX).read_text(encoding="utf-8")
