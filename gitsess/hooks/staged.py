"""The sessions as a commit would record them: the staging area, not the work tree.

The pre-commit hook validates and indexes what is being committed. Reading
the staging area is cheap (`ls-files -s`, `diff --cached`); parsing 10,000
exports is not, so a StagedTree parses only the exports a caller asks for,
from git in one `cat-file --batch`, or from the work tree's metadata cache
when the staged file is exactly what the work tree holds.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from gitsess.core.index import INDEX_NAME
from gitsess.core.model import Session, parse_export
from gitsess.core.names import is_export_name, is_plain_name
from gitsess.core.repo import Repo, finish_git, git_process, start_git

SYMLINK_MODE = "120000"


@dataclass
class StagedTree:
    repo: Repo
    sessions_dir: str
    oids: dict[str, str]  # every staged export: name -> blob id
    changes: dict[str, str]  # export name -> "A", "M" or "D" against HEAD
    other_paths: list[str]  # staged paths that are neither exports nor the index
    checkpoint_changes: dict[str, str]  # those of other_paths that are checkpoints -> A/M/D
    index_oid: str | None  # the staged session_index.md (None: not staged)
    index_changed: bool  # the staged session_index.md differs from HEAD's
    # Other files the commit changes in the directory (checkpoints/): path -> blob id
    notes: dict[str, str]
    # Every staged entry under the sessions directory, by its path there: the
    # tree the commit should record (see sessions_tree_id)
    entries: dict[str, IndexEntry] = field(default_factory=dict)
    parsed: dict[str, Session] = field(default_factory=dict)  # the exports loaded so far
    texts: dict[str, bytes] = field(default_factory=dict)  # staged bytes of those read from git
    _work_tree_listing: subprocess.Popen[bytes] | None = None  # started early, read on demand

    def path_of(self, name: str) -> str:
        return f"{self.sessions_dir}/{name}"

    @property
    def linked(self) -> list[str]:
        """Exports the commit adds or changes as symbolic links: git sess never
        reads one (the work-tree scan leaves them out), so the commit is refused."""
        return sorted(
            name
            for name, status in self.changes.items()
            if status != "D" and self.entries.get(name, _NO_ENTRY).mode == SYMLINK_MODE
        )

    @property
    def odd_names(self) -> list[str]:
        """Staged exports whose name is not UTF-8 or holds control characters:
        left out of the index and the checks (the work-tree scan leaves them out
        too), so the user is told."""
        return sorted(
            name
            for name, entry in self.entries.items()
            if entry.stage == "0" and is_export_name(name) and not is_plain_name(name)
        )

    @property
    def changed(self) -> list[str]:
        """The exports the commit adds or changes (not those it deletes, nor a
        symbolic link, which is not read as an export)."""
        return [name for name in sorted(self.changes) if name in self.oids]

    def load(self, names: Iterable[str], work_tree: Mapping[str, Session] | None = None) -> None:
        """Parse these staged exports into `parsed`; `work_tree`: sessions to reuse
        for exports staged exactly as the work tree has them."""
        wanted = [name for name in dict.fromkeys(names) if name not in self.parsed]
        reusable = work_tree or {}
        from_git = []
        for name in wanted:
            if name in reusable and name not in self.work_tree_differs:
                self.parsed[name] = reusable[name]
            else:
                from_git.append(name)
        blobs = read_blobs(self.repo, [self.oids[name] for name in from_git])
        for name in from_git:
            self.texts[name] = blobs[self.oids[name]]
            self.parsed[name] = parse_export(self.path_of(name), self.texts[name], name)

    @functools.cached_property
    def index_text(self) -> str | None:
        if self.index_oid is None:
            return None
        return read_blobs(self.repo, [self.index_oid])[self.index_oid].decode("utf-8", "replace")

    @functools.cached_property
    def work_tree_differs(self) -> set[str]:
        """Exports that are not in the work tree as staged: changed or deleted
        there since `git add`, or not staged at all (ignored files included, as
        the work tree's own scan sees them)."""
        prefix = self.sessions_dir + "/"
        process = self._work_tree_listing or start_git(self.repo.root, [*WORK_TREE_LISTING, prefix])
        names = _fields(finish_git(process, WORK_TREE_LISTING).stdout)
        return {name for path in names if (name := path[len(prefix) :]) and is_staged_name(name)}


STAGED_ENTRIES = ["ls-files", "-s", "-z", "--"]
STAGED_CHANGES = ["diff", "--cached", "--name-status", "-z", "--no-renames"]
WORK_TREE_LISTING = ["ls-files", "-z", "--modified", "--others", "--"]


def read_staged(repo: Repo, sessions_dir: str, *, with_work_tree: bool = False) -> StagedTree:
    """What the staging area holds under the sessions directory; nothing parsed yet.

    The git commands run side by side; `with_work_tree` starts the work tree's
    listing (`work_tree_differs`) with them.
    """
    prefix = sessions_dir + "/"
    entries = start_git(repo.root, [*STAGED_ENTRIES, prefix])
    staged_changes = start_git(repo.root, STAGED_CHANGES)
    work_tree = start_git(repo.root, [*WORK_TREE_LISTING, prefix]) if with_work_tree else None
    listed = _entries(_fields(finish_git(entries, STAGED_ENTRIES).stdout))
    changes, others, index_changed = _changes_against_head(
        _fields(finish_git(staged_changes, STAGED_CHANGES).stdout), prefix
    )
    other_paths = list(others)
    oids = {
        name: entry.oid
        for path, entry in listed.items()
        if (name := path[len(prefix) :]) and _is_staged_export(name, entry)
    }
    index_entry = listed.get(prefix + INDEX_NAME)
    return StagedTree(
        repo=repo,
        sessions_dir=sessions_dir,
        oids=oids,
        changes=changes,
        other_paths=other_paths,
        checkpoint_changes={
            path: status for path, status in others.items() if is_checkpoint_path(path, prefix)
        },
        index_oid=index_entry.oid if index_entry else None,
        index_changed=index_changed,
        notes={path: listed[path].oid for path in other_paths if path in listed},
        entries={path[len(prefix) :]: entry for path, entry in listed.items()},
        _work_tree_listing=work_tree,
    )


class IndexEntry(NamedTuple):
    """One line of `git ls-files -s` (a tuple: the hook reads 10,000 of them)."""

    mode: str
    oid: str
    stage: str

    def index_info(self, path: str) -> str:
        """The line `git update-index --index-info` reads back."""
        return f"{self.mode} {self.oid} {self.stage}\t{path}"


_NO_ENTRY = IndexEntry("", "", "")


def staged_entries(repo: Repo, *pathspecs: str) -> dict[str, IndexEntry]:
    """The staging area's entries under `pathspecs`, by path."""
    return _entries(_git_z(repo, *STAGED_ENTRIES, *pathspecs))


def _entries(records: list[str]) -> dict[str, IndexEntry]:
    entries = {}
    for record in records:
        meta, _, path = record.partition("\t")
        mode, oid, stage = meta.split(" ")
        entries[path] = IndexEntry(mode, oid, stage)
    return entries


def _is_staged_export(name: str, entry: IndexEntry) -> bool:
    """Directly in the sessions directory, merged, and not a symbolic link (the
    work-tree scan skips those too)."""
    return entry.stage == "0" and entry.mode != SYMLINK_MODE and is_staged_name(name)


def is_staged_name(name: str) -> bool:
    """An export's name as the work-tree scan takes it: a name that is not UTF-8 or
    holds control characters is left out of the index there (check names it), so
    here too, and the commit goes on."""
    return is_export_name(name) and is_plain_name(name)


def _changes_against_head(
    fields: list[str], prefix: str
) -> tuple[dict[str, str], dict[str, str], bool]:
    """Export name -> status; every other path -> status; whether the index changed."""
    changes: dict[str, str] = {}
    others: dict[str, str] = {}
    index_changed = False
    for status, path in zip(fields[::2], fields[1::2], strict=False):
        name = path[len(prefix) :] if path.startswith(prefix) else None
        if name is not None and is_staged_name(name):
            changes[name] = "M" if status == "T" else status[0]
        elif path == prefix + INDEX_NAME:
            index_changed = True
        else:
            others[path] = "M" if status == "T" else status[0]
    return changes, others, index_changed


def is_checkpoint_path(path: str, prefix: str) -> bool:
    """`<sessions>/checkpoints/….md` (DESIGN.md §3.2)."""
    return path.startswith(prefix + "checkpoints/") and path.endswith(".md")


def staged_renames(tree: StagedTree) -> dict[str, Session]:
    """Exports the commit renames, as git's rename detection pairs them: new
    name -> the export as HEAD has it under its old name."""
    prefix = tree.sessions_dir + "/"
    args = ["diff", "--cached", "-z", "--name-status", "-M", "--diff-filter=R", "HEAD", "--"]
    fields = _fields(git_process(tree.repo.root, [*args, prefix]).stdout)
    pairs = {
        new[len(prefix) :]: old
        for old, new in zip(fields[1::3], fields[2::3], strict=False)
        if new.startswith(prefix) and old.startswith(prefix)
    }
    if not pairs:
        return {}
    oids = tree.repo.git("rev-parse", *(f"HEAD:{old}" for old in pairs.values())).split()
    blobs = read_blobs(tree.repo, oids)
    return {
        name: parse_export(old, blobs[oid], old[len(prefix) :])
        for (name, old), oid in zip(pairs.items(), oids, strict=True)
    }


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


def blob_id(data: bytes, like: str) -> str:
    """The id git gives `data` as a blob, in the hash function of the id `like`
    (SHA-1 or SHA-256 repositories): comparing ids needs no read from git."""
    digest = hashlib.sha1 if len(like) == 40 else hashlib.sha256
    return digest(b"blob %d\0" % len(data) + data).hexdigest()


def sessions_tree_id(tree: StagedTree, index_oid: str | None) -> str | None:
    """The id of the tree a commit of this staging area records for the sessions
    directory, once `index_oid` is staged as its index; None when it would hold
    none, or unmerged entries (the commit is refused then).

    Computed as git computes it, without a git process (`write-tree` would take
    index.lock, which another git command may hold): the post-commit hook
    compares it with HEAD's to find what another process staged meanwhile."""
    entries = {name: (entry.mode, entry.oid) for name, entry in tree.entries.items()}
    if any(entry.stage != "0" for entry in tree.entries.values()):
        return None
    if index_oid is not None:
        entries[INDEX_NAME] = ("100644", index_oid)
    if not entries:
        return None
    like = next(iter(entries.values()))[1]
    digest = hashlib.sha1 if len(like) == 40 else hashlib.sha256
    return _tree_object(entries, digest)


def _tree_object(entries: Mapping[str, tuple[str, str]], digest: Callable[[bytes], Any]) -> str:
    """The id of the tree object holding `entries` (path -> (mode, oid)), its
    subtrees hashed on the way (git's tree format: entries sorted by name as
    bytes, a directory's name as if it ended in '/')."""
    files: list[tuple[bytes, str, str]] = []
    folders: dict[str, dict[str, tuple[str, str]]] = {}
    for path, (mode, oid) in entries.items():
        head, slash, rest = path.partition("/")
        if slash:
            folders.setdefault(head, {})[rest] = (mode, oid)
        else:
            files.append((head.encode("utf-8", "surrogateescape"), mode, oid))
    for name, inside in folders.items():
        files.append(
            (name.encode("utf-8", "surrogateescape"), "40000", _tree_object(inside, digest))
        )
    files.sort(key=lambda item: item[0] + b"/" if item[1] == "40000" else item[0])
    body = b"".join(
        b"%s %s\0" % (mode.encode(), name) + bytes.fromhex(oid) for name, mode, oid in files
    )
    return str(digest(b"tree %d\0" % len(body) + body).hexdigest())


def write_blob(repo: Repo, data: bytes) -> str:
    # Compressing a 10,000-entry index at git's default level takes 80 ms of a
    # commit, level 1 half that; `git gc` packs the loose object properly later.
    args = ["-c", "core.looseCompression=1", "hash-object", "-w", "--stdin"]
    return git_process(repo.root, args, input=data).stdout.decode().strip()


def stage_blob(repo: Repo, path: str, oid: str) -> None:
    git_process(repo.root, ["update-index", "--add", "--cacheinfo", f"100644,{oid},{path}"])


def _git_z(repo: Repo, *args: str) -> list[str]:
    return _fields(git_process(repo.root, list(args)).stdout)


def _fields(out: bytes) -> list[str]:
    return [field for field in out.decode("utf-8", "surrogateescape").split("\0") if field]
