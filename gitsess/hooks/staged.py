"""The sessions as a commit would record them: the staging area, not the work tree.

The pre-commit hook validates and indexes what is being committed. Reading
the staging area is cheap (`ls-files -s`, `diff --cached`); parsing 10,000
exports is not, so a StagedTree parses only the exports a caller asks for,
from git in one `cat-file --batch`, or from the work tree's metadata cache
when the staged file is exactly what the work tree holds.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gitsess.core.index import INDEX_NAME
from gitsess.core.model import Session, parse_export
from gitsess.core.names import is_export_name, is_plain_name
from gitsess.core.repo import Repo, finish_git, git_process, start_git
from gitsess.hooks.overlay import (
    StagedOids,
    listing_is_piped,
    mirror_root,
    piped_listing,
    snapshot_of,
)

if TYPE_CHECKING:
    from gitsess.hooks.blobfacts import BlobFacts, Mirror

SYMLINK_MODE = "120000"


@dataclass
class StagedTree:
    repo: Repo
    sessions_dir: str
    oids: Mapping[str, str]  # every staged export: name -> blob id
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
    _piped_listing: bool = False  # the pre-commit stub pipes it in (listing_is_piped)
    # Staged exports whose name is not UTF-8 or holds control characters: left
    # out of the index and the checks (the work-tree scan leaves them out too),
    # so the user is told.
    odd_names: list[str] = field(default_factory=list)
    # Exports the commit adds or changes as symbolic links: git sess never reads
    # one (the work-tree scan leaves them out), so the commit is refused.
    linked: list[str] = field(default_factory=list)
    # Read against the store's mirror of HEAD's sessions tree (blobfacts.py): `oids`
    # is the mirror with `overlay` (name -> blob id, None: gone), and `entries` is
    # empty; the staging area as it was read is kept in `snapshot`.
    mirror: Mirror | None = None
    overlay: dict[str, str | None] = field(default_factory=dict)
    snapshot: Path | None = None
    snapshot_index: str | None = None  # the index blob staged in `snapshot` since

    def path_of(self, name: str) -> str:
        return f"{self.sessions_dir}/{name}"

    def git_env(self) -> dict[str, str] | None:
        """The environment that points git at the staging area as it was read."""
        return {"GIT_INDEX_FILE": str(self.snapshot)} if self.snapshot else None

    def close(self) -> None:
        if self.snapshot is not None:
            with contextlib.suppress(OSError):
                self.snapshot.unlink()
            self.snapshot = None

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
        listed = piped_listing() if self._piped_listing else None
        if listed is None:
            process = self._work_tree_listing or start_git(
                self.repo.root, [*WORK_TREE_LISTING, prefix], env=self.git_env()
            )
            listed = finish_git(process, WORK_TREE_LISTING).stdout
        names = _fields(listed)
        return {name for path in names if (name := path[len(prefix) :]) and is_staged_name(name)}


STAGED_ENTRIES = ["ls-files", "-s", "-z", "--"]
STAGED_CHANGES = ["diff", "--cached", "--name-status", "-z", "--no-renames"]
WORK_TREE_LISTING = ["ls-files", "-z", "--modified", "--others", "--"]


STAGED_DIFF = ["diff-index", "--cached", "--raw", "-z", "--no-renames", "HEAD"]
MIRROR_DIFF = ["diff-index", "--cached", "--raw", "-z", "--no-renames"]


def read_staged(
    repo: Repo,
    sessions_dir: str,
    *,
    with_work_tree: bool = False,
    facts: BlobFacts | None = None,
) -> StagedTree:
    """What the staging area holds under the sessions directory; nothing parsed yet.

    The git commands run side by side; `with_work_tree` starts the work tree's
    listing (`work_tree_differs`) with them. With `facts`, the staging area is
    read from a copy taken first (`snapshot`: what the commit checks is what
    its tree id is computed from), and when HEAD's sessions tree is the one the
    store mirrors, only what the commit changes is listed: its cost does not
    grow with the number of sessions.
    """
    prefix = sessions_dir + "/"
    snapshot = snapshot_of(repo) if facts is not None else None
    env = {"GIT_INDEX_FILE": str(snapshot)} if snapshot else None
    mirror = facts.mirror() if facts is not None and snapshot is not None else None
    work_tree = None
    piped = with_work_tree and listing_is_piped(prefix)
    if with_work_tree and not piped:
        work_tree = start_git(repo.root, [*WORK_TREE_LISTING, prefix], env=env)
    if mirror is not None:
        assert facts is not None
        against_head = start_git(repo.root, STAGED_DIFF, env=env)
        head_tree = f"HEAD:{sessions_dir}"
        head_sessions = git_process(
            repo.root, ["rev-parse", "-q", "--verify", head_tree], check=False
        )
        head = finish_git(against_head, STAGED_DIFF, check=False)
        # HEAD's sessions tree is the mirror's (the last commit was checked): what
        # differs from the mirror is what the commit changes, one diff for both.
        diffed: subprocess.CompletedProcess[bytes] | None = head
        if head_sessions.stdout.decode().strip() != mirror.tree:
            root = mirror.root or mirror_root(repo, sessions_dir, mirror.tree)
            against_mirror = [*MIRROR_DIFF, root or "", "--", prefix]
            diffed = git_process(repo.root, against_mirror, env=env, check=False) if root else None
        if head.returncode == 0 and diffed is not None and diffed.returncode == 0:
            return _changed_tree(
                repo,
                sessions_dir,
                mirror,
                facts,
                (_fields(head.stdout), _fields(diffed.stdout)),
                snapshot,
                work_tree,
                piped,
            )
    entries = start_git(repo.root, [*STAGED_ENTRIES, prefix], env=env)
    staged_changes = start_git(repo.root, STAGED_CHANGES, env=env)
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
    by_name = {path[len(prefix) :]: entry for path, entry in listed.items()}
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
        entries=by_name,
        _work_tree_listing=work_tree,
        _piped_listing=piped,
        odd_names=sorted(
            name
            for name, entry in by_name.items()
            if entry.stage == "0" and is_export_name(name) and not is_plain_name(name)
        ),
        linked=sorted(
            name
            for name, status in changes.items()
            if status != "D" and by_name.get(name, _NO_ENTRY).mode == SYMLINK_MODE
        ),
        snapshot=snapshot,
    )


def _changed_tree(
    repo: Repo,
    sessions_dir: str,
    mirror: Mirror,
    facts: BlobFacts,
    diffs: tuple[list[str], list[str]],
    snapshot: Path | None,
    work_tree: subprocess.Popen[bytes] | None,
    piped: bool,
) -> StagedTree:
    """The staging area as the store's mirror and two `git diff-index --cached`
    (raw, -z) say it is: against HEAD (what the commit changes) and against the
    mirror's tree (what differs from the exports the store knows)."""
    prefix = sessions_dir + "/"
    against_head, against_mirror = diffs
    overlay: dict[str, str | None] = {}
    odd_names = set(mirror.not_utf8)
    index_oid: str | None = mirror.index_oid
    for meta, path in zip(against_mirror[::2], against_mirror[1::2], strict=False):
        _, mode, _, oid, status = meta.split(" ")
        present = status[0] not in "DU"
        name = path[len(prefix) :] if path.startswith(prefix) else ""
        if name == INDEX_NAME:
            index_oid = oid if present else None
        elif is_staged_name(name):
            overlay[name] = oid if present and mode != SYMLINK_MODE else None
        elif name and is_export_name(name):  # its name is not plain (core.names)
            (odd_names.add if present else odd_names.discard)(name)
    pairs = []
    new_oids: dict[str, str] = {}  # each path the commit changes -> its staged blob
    linked = []
    for meta, path in zip(against_head[::2], against_head[1::2], strict=False):
        _, mode, _, oid, status = meta.split(" ")
        pairs += [status, path]
        if status[0] not in "DU":
            new_oids[path] = oid
            name = path[len(prefix) :] if path.startswith(prefix) else ""
            if mode == SYMLINK_MODE and is_staged_name(name):
                linked.append(name)
    changes, others, index_changed = _changes_against_head(pairs, prefix)
    return StagedTree(
        repo=repo,
        sessions_dir=sessions_dir,
        oids=StagedOids(facts, overlay),
        changes=changes,
        other_paths=list(others),
        checkpoint_changes={
            path: status for path, status in others.items() if is_checkpoint_path(path, prefix)
        },
        index_oid=index_oid,
        index_changed=index_changed,
        notes={
            path: new_oids[path] for path in others if path.startswith(prefix) and path in new_oids
        },
        _work_tree_listing=work_tree,
        _piped_listing=piped,
        odd_names=sorted(odd_names),
        linked=sorted(linked),
        mirror=mirror,
        overlay=overlay,
        snapshot=snapshot,
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

    From the copy of the staging area the tree was read from, when there is one
    (`git write-tree` on the real one would take index.lock, which another git
    command may hold); else computed as git computes it, without a git process:
    the post-commit hook compares it with HEAD's to find what another process
    staged meanwhile."""
    if tree.snapshot is not None:
        env = tree.git_env()
        path = tree.path_of(INDEX_NAME)
        if index_oid is not None and index_oid not in (tree.index_oid, tree.snapshot_index):
            args = ["update-index", "--add", "--cacheinfo", f"100644,{index_oid},{path}"]
            if git_process(tree.repo.root, args, env=env, check=False).returncode != 0:
                return None
        args = ["write-tree", f"--prefix={tree.sessions_dir}/"]
        done = git_process(tree.repo.root, args, env=env, check=False)
        if done.returncode != 0:
            return None
        return done.stdout.decode().strip() or None
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
    process = start_git(repo.root, args, input=True)
    # Handed over in one write, not as `communicate` does it (4 KB per turn of a
    # select loop: ~2,500 turns for the 10 MB index of 30,000 sessions): git reads
    # all of its input before it writes a byte, so the write cannot wait on it.
    assert process.stdin is not None
    with contextlib.suppress(BrokenPipeError):  # git stopped early: finish_git says why
        process.stdin.write(data)
    return finish_git(process, args).stdout.decode().strip()


def stage_blob(repo: Repo, path: str, oid: str) -> None:
    git_process(repo.root, ["update-index", "--add", "--cacheinfo", f"100644,{oid},{path}"])


def stage_index_blob(tree: StagedTree, oid: str) -> None:
    """Stage `oid` as the session index, and in the copy of the staging area the
    tree was read from (for sessions_tree_id), side by side."""
    args = ["update-index", "--add", "--cacheinfo", f"100644,{oid},{tree.path_of(INDEX_NAME)}"]
    copy = start_git(tree.repo.root, args, env=tree.git_env()) if tree.snapshot else None
    real = start_git(tree.repo.root, args)
    if copy is not None and finish_git(copy, args, check=False).returncode == 0:
        tree.snapshot_index = oid
    finish_git(real, args)


def _git_z(repo: Repo, *args: str) -> list[str]:
    return _fields(git_process(repo.root, list(args)).stdout)


def _fields(out: bytes) -> list[str]:
    return [field for field in out.decode("utf-8", "surrogateescape").split("\0") if field]
