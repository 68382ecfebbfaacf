"""The search server's watcher: real inotify events on real files (Linux).

What the server syncs depends on what the watcher names: each file changed
since the last take(), or None when only a scan of the directory can tell
(a folder created, moved or removed; the watcher failed). No test asserts how
long anything takes; waits are bounded (servers.BOUND) and never a result."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from gitsess.search.watcher import Watcher

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the ordered watcher is inotify's"
)


@pytest.fixture
def watched(tmp_path: Path):
    """A sessions directory with one export, watched; the watcher's changes counted."""
    root = tmp_path / "sessions"
    (root / "checkpoints").mkdir(parents=True)
    (root / "a.md").write_text("first\n")
    changes = threading.Semaphore(0)
    watcher = Watcher(str(root), str(tmp_path / "state"), changes.release)
    watcher.start()
    assert watcher.failed is None, watcher.failed
    yield root, watcher
    watcher.fail("the test ended")  # its watches stay with watchdog's shared descriptor


def settled(watcher: Watcher) -> tuple[int, list[str] | None]:
    """What the watcher saw of every change made before this call."""
    generation = watcher.barrier()
    assert generation is not None
    taken = watcher.take()
    assert taken[0] >= generation
    return taken


def test_an_edit_a_new_file_a_delete_and_a_rename_are_named(watched) -> None:
    root, watcher = watched
    settled(watcher)  # whatever start-up saw
    with open(root / "a.md", "a") as handle:
        handle.write("edited\n")
    assert settled(watcher)[1] == ["a.md"]
    (root / "checkpoints" / "b.md").write_text("new\n")
    assert settled(watcher)[1] == ["checkpoints/b.md"]
    os.rename(root / "a.md", root / "c.md")
    assert settled(watcher)[1] == ["a.md", "c.md"]
    (root / "c.md").unlink()
    assert settled(watcher)[1] == ["c.md"]
    generation, names = settled(watcher)
    assert names == []  # nothing since


def test_a_burst_of_edits_is_named_once_each_and_counted(watched) -> None:
    root, watcher = watched
    before, _ = settled(watcher)
    for number in range(30):
        (root / f"n{number % 5}.md").write_text(f"{number}\n")
    generation, names = settled(watcher)
    assert names == [f"n{number}.md" for number in range(5)]
    assert generation > before


@pytest.mark.parametrize("change", ["new folder", "folder removed", "folder moved in", "failed"])
def test_what_only_a_scan_can_tell(watched, tmp_path: Path, change: str) -> None:
    root, watcher = watched
    settled(watcher)
    if change == "new folder":
        (root / "archive").mkdir()
        (root / "archive" / "x.md").write_text("x\n")
    elif change == "folder removed":
        (root / "checkpoints").rmdir()
    elif change == "folder moved in":
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / "y.md").write_text("y\n")
        os.rename(outside, root / "moved")
    else:
        watcher.fail("the inotify queue overflowed")
        assert watcher.barrier() is None
        assert watcher.take()[1] is None
        return
    assert settled(watcher)[1] is None
    with open(root / "a.md", "a") as handle:  # and named again once taken
        handle.write("edited\n")
    assert settled(watcher)[1] == ["a.md"]
