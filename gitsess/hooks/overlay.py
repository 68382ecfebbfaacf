"""The staged exports as the store's mirror and a commit's changes say they are,
the tree a commit's staging area is compared with when HEAD is not the mirror's,
the copy of the staging area a commit is checked from, and the work tree's
listing the pre-commit stub starts beside Python (staged.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from gitsess.core.repo import Repo, git_process

if TYPE_CHECKING:
    from gitsess.hooks.blobfacts import BlobFacts


class StagedOids(Mapping[str, str]):
    """The staged exports by name, as the mirror and the commit's changes say:
    asked per name, never listed whole on the way of a commit."""

    def __init__(self, facts: BlobFacts, overlay: dict[str, str | None]) -> None:
        self._facts = facts
        self._overlay = overlay
        self._listing: dict[str, str] | None = None

    def __getitem__(self, name: str) -> str:
        oid = self._overlay[name] if name in self._overlay else self._facts.mirrored(name)
        if oid is None:
            raise KeyError(name)
        return oid

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def _whole(self) -> dict[str, str]:
        if self._listing is None:
            listing = self._facts.mirror_listing()
            for name, oid in self._overlay.items():
                if oid is None:
                    listing.pop(name, None)
                else:
                    listing[name] = oid
            self._listing = dict(sorted(listing.items()))
        return self._listing

    def __iter__(self) -> Iterator[str]:
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())

    def same_but_case(self, link: str) -> list[str]:
        """The staged names equal to `link` but for case (links.resolve_link)."""
        folded = link.lower()
        found = {
            name for name in self._facts.mirrored_same_but_case(folded) if name not in self._overlay
        }
        found |= {
            name
            for name, oid in self._overlay.items()
            if oid is not None and name.lower() == folded
        }
        return sorted(found)


def mirror_root(repo: Repo, sessions_dir: str, tree_id: str) -> str | None:
    """A tree holding `tree_id` where the sessions directory is (`git mktree`),
    which `git diff-index` compares the staging area with; None when git cannot
    make it (the sessions tree is gone: the caller lists the staging area)."""
    current = tree_id
    for part in reversed(sessions_dir.split("/")):
        line = f"040000 tree {current}\t{part}\n".encode()
        done = git_process(repo.root, ["mktree"], input=line, check=False)
        current = done.stdout.decode().strip()
        if done.returncode != 0 or not current:
            return None
    return current


def snapshot_of(repo: Repo) -> Path | None:
    """A copy of the staging area (GIT_INDEX_FILE in a hook), or None."""
    source = os.environ.get("GIT_INDEX_FILE") or str(repo.state_dir.parent / "index")
    if not os.path.isabs(source) and Path.cwd() != repo.root:
        return None
    copy = repo.state_dir / "tmp" / f"staged-index-{os.getpid()}"
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        _copy_file(source, copy)
    except OSError:
        return None
    return copy


def _copy_file(source: str, target: Path) -> None:
    """`shutil.copyfile`, without importing shutil (and the archive modules it
    loads) on the way of every commit: the kernel copies, as shutil has it do
    on Linux; elsewhere (macOS sends files to sockets only) it is read and written."""
    with open(source, "rb") as reading, open(target, "wb") as writing:
        size = os.fstat(reading.fileno()).st_size
        copied = 0
        try:
            while copied < size:
                sent = os.sendfile(writing.fileno(), reading.fileno(), copied, size - copied)
                if sent == 0:
                    break
                copied += sent
        except (OSError, AttributeError):
            if copied:
                raise
            writing.write(reading.read())


LISTING_VARIABLE = "GIT_SESS_LISTING"
LISTED_MARK = b"\0git-sess: listed\0"  # what the stub appends once git has listed


def listing_is_piped(prefix: str) -> bool:
    """Whether the pre-commit stub started WORK_TREE_LISTING over `prefix` beside
    Python (git-hooks/hook.sh), for its standard input: on the real staging area
    a moment before its copy is taken, which tells the same of the work tree."""
    return os.environ.get(LISTING_VARIABLE) == prefix


def piped_listing() -> bytes | None:
    """The stub's listing, read to its end; None when git did not finish it (then
    git is asked again). Read once: the variable is dropped."""
    os.environ.pop(LISTING_VARIABLE, None)
    try:
        data = sys.stdin.buffer.read()
    except (OSError, ValueError, AttributeError):
        return None
    return data[: -len(LISTED_MARK)] if data.endswith(LISTED_MARK) else None
