"""The sessions as a commit would record them: the staging area, not the work tree.

The pre-commit hook validates and indexes what is being committed. Exports
whose staged content is also what the work tree holds are taken from the
metadata cache; only the others are read from git (`cat-file --batch`, one
process for all of them) and parsed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from gitsess.index import INDEX_NAME
from gitsess.model import NOT_EXPORTS, Session, newest_first, parse_export
from gitsess.repo import Repo, git_process

SYMLINK_MODE = "120000"


@dataclass
class StagedTree:
    sessions_dir: str
    sessions: list[Session]  # newest first, as in the index
    changes: dict[str, str]  # export name -> "A", "M" or "D" against HEAD
    other_paths: list[str]  # staged paths that are neither exports nor the index
    index_text: str | None  # the staged session_index.md (None: not staged)
    texts: dict[str, bytes] = field(default_factory=dict)  # staged bytes of A and M exports
    matches_work_tree: bool = True  # every export staged exactly as it is in the work tree

    @functools.cached_property
    def by_id(self) -> dict[str, Session]:
        return {session.id: session for session in self.sessions}

    def path_of(self, name: str) -> str:
        return f"{self.sessions_dir}/{name}"


def read_staged(
    repo: Repo,
    sessions_dir: str,
    work_tree: dict[str, Session] | None,
    *,
    changed_only: bool = False,
) -> StagedTree:
    """`work_tree`: the work tree's sessions by id, or None when there are none to
    reuse. `changed_only`: read only the exports the commit changes (enough for
    its message), not the thousands it leaves alone."""
    prefix = sessions_dir + "/"
    listed = staged_entries(repo, prefix)
    changes, other_paths = _changes_against_head(repo, prefix)
    entries = {
        name: entry.oid
        for path, entry in listed.items()
        if (name := path[len(prefix) :]) and _is_staged_export(name, entry)
        if not changed_only or name in changes
    }
    differing = set() if changed_only else _unstaged(repo, prefix)
    reusable = work_tree or {}
    wanted = {
        name: oid
        for name, oid in entries.items()
        if name in changes or name in differing or name not in reusable
    }
    index_entry = listed.get(prefix + INDEX_NAME)
    oids = list(wanted.values()) + ([index_entry.oid] if index_entry else [])
    blobs = read_blobs(repo, oids)
    sessions = [
        parse_export(prefix + name, blobs[wanted[name]]) if name in wanted else reusable[name]
        for name in entries
    ]
    return StagedTree(
        sessions_dir=sessions_dir,
        sessions=newest_first(sessions),
        changes=changes,
        other_paths=other_paths,
        index_text=blobs[index_entry.oid].decode("utf-8", "replace") if index_entry else None,
        texts={name: blobs[oid] for name, oid in wanted.items() if name in changes},
        matches_work_tree=not differing
        and work_tree is not None
        and entries.keys() == reusable.keys(),
    )


def is_export_name(name: str) -> bool:
    return name.endswith(".md") and name not in NOT_EXPORTS and not name.startswith(".")


@dataclass(frozen=True)
class IndexEntry:
    """One line of `git ls-files -s`."""

    mode: str
    oid: str
    stage: str

    def index_info(self, path: str) -> str:
        """The line `git update-index --index-info` reads back."""
        return f"{self.mode} {self.oid} {self.stage}\t{path}"


def staged_entries(repo: Repo, *pathspecs: str) -> dict[str, IndexEntry]:
    """The staging area's entries under `pathspecs`, by path."""
    entries = {}
    for record in _git_z(repo, "ls-files", "-s", "-z", "--", *pathspecs):
        meta, _, path = record.partition("\t")
        mode, oid, stage = meta.split(" ")
        entries[path] = IndexEntry(mode, oid, stage)
    return entries


def _is_staged_export(name: str, entry: IndexEntry) -> bool:
    """Directly in the sessions directory, merged, and not a symbolic link (the
    work-tree scan skips those too)."""
    return (
        entry.stage == "0"
        and entry.mode != SYMLINK_MODE
        and "/" not in name
        and is_export_name(name)
    )


def _changes_against_head(repo: Repo, prefix: str) -> tuple[dict[str, str], list[str]]:
    fields = _git_z(repo, "diff", "--cached", "--name-status", "-z", "--no-renames")
    changes: dict[str, str] = {}
    others: list[str] = []
    for status, path in zip(fields[::2], fields[1::2], strict=False):
        name = path[len(prefix) :] if path.startswith(prefix) else None
        if name is not None and "/" not in name and is_export_name(name):
            changes[name] = "M" if status == "T" else status[0]
        elif path != prefix + INDEX_NAME:
            others.append(path)
    return changes, others


def _unstaged(repo: Repo, prefix: str) -> set[str]:
    """Exports whose work-tree file differs from the staged one (or is gone)."""
    names = _git_z(repo, "diff", "--name-only", "-z", "--", prefix)
    return {path[len(prefix) :] for path in names}


def read_blobs(repo: Repo, oids: list[str]) -> dict[str, bytes]:
    """The content of each blob, in one `git cat-file --batch`."""
    if not oids:
        return {}
    unique = list(dict.fromkeys(oids))
    out = git_process(repo.root, ["cat-file", "--batch"], input="\n".join(unique).encode() + b"\n")
    data = out.stdout
    blobs: dict[str, bytes] = {}
    position = 0
    for oid in unique:
        header_end = data.index(b"\n", position)
        size = int(data[position:header_end].split(b" ")[2])
        start = header_end + 1
        blobs[oid] = data[start : start + size]
        position = start + size + 1
    return blobs


def write_blob(repo: Repo, data: bytes) -> str:
    return (
        git_process(repo.root, ["hash-object", "-w", "--stdin"], input=data).stdout.decode().strip()
    )


def stage_blob(repo: Repo, path: str, oid: str) -> None:
    git_process(repo.root, ["update-index", "--add", "--cacheinfo", f"100644,{oid},{path}"])


def _git_z(repo: Repo, *args: str) -> list[str]:
    out = git_process(repo.root, list(args)).stdout.decode("utf-8", "surrogateescape")
    return [field for field in out.split("\0") if field]
