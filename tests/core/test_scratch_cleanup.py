"""What a killed process leaves in the scratch folder (`.git/gitsess/tmp`) is
removed: files older than an hour, swept by a write at most once a day."""

from __future__ import annotations

import os
import time
from pathlib import Path

from conftest import sess

from gitsess.core.files import STALE_AFTER, SWEEP_EVERY, SWEPT_STAMP, sweep_scratch

HOUR = 3600


def scratch_of(repo: Path) -> Path:
    """The scratch folder, as a repository has it that was never swept (the
    fixture's own writes stamped it)."""
    scratch = repo / ".git" / "gitsess" / "tmp"
    (scratch / SWEPT_STAMP).unlink(missing_ok=True)
    return scratch


def leftover(folder: Path, name: str, age: float) -> Path:
    """A temporary file as a killed write leaves it, last touched `age` seconds ago."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("half a file")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def age_stamp(folder: Path, age: float) -> None:
    then = time.time() - age
    os.utime(folder / SWEPT_STAMP, (then, then))


def test_a_command_that_writes_removes_old_leftovers_and_keeps_fresh_ones(sessions: Path) -> None:
    scratch = scratch_of(sessions)
    old = leftover(scratch, ".session_x.md.abc123.tmp", 2 * HOUR)
    older = leftover(scratch, ".search.json.def456.tmp", 30 * 24 * HOUR)
    fresh = leftover(scratch, ".session_y.md.ghi789.tmp", 60)  # another process's, being written
    assert sess(sessions, "new", "Sweeps").code == 0
    assert not old.exists() and not older.exists()
    assert fresh.exists()
    assert (scratch / SWEPT_STAMP).is_file()


def test_the_sweep_runs_at_most_once_a_day(sessions: Path) -> None:
    scratch = scratch_of(sessions)
    assert sess(sessions, "new", "First").code == 0  # sweeps, and stamps
    later = leftover(scratch, ".later.md.jkl012.tmp", 2 * HOUR)
    assert sess(sessions, "new", "Second").code == 0
    assert later.exists()  # swept less than a day ago: not looked at
    age_stamp(scratch, SWEEP_EVERY + HOUR)
    assert sess(sessions, "new", "Third").code == 0
    assert not later.exists()


def test_the_sweep_leaves_folders_and_the_stamp(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    kept_dir = scratch / "folder"
    kept_dir.mkdir(parents=True)
    stale = leftover(scratch, "stale.tmp", STALE_AFTER + 60)
    edge = leftover(scratch, "young.tmp", STALE_AFTER - 60)
    sweep_scratch(scratch)
    assert not stale.exists() and edge.exists() and kept_dir.is_dir()
    assert (scratch / SWEPT_STAMP).is_file()
    sweep_scratch(scratch, now=time.time() + SWEEP_EVERY + 1)  # a day on: young is old now
    assert not edge.exists() and (scratch / SWEPT_STAMP).is_file()
