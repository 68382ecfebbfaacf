"""Commits git makes without the pre-commit hook, given the index they call for.

git writes a merge's tree before `pre-merge-commit` runs, so an index the
hook regenerates never reaches the merge commit; rebase, cherry-pick and
revert never run the hook at all. Where two branches changed the same
session, the merge driver can only keep one side's index line, so such a
commit can record an index that its own exports contradict.

Once git has finished, each such commit whose index is not the one its
exports call for is rebuilt with that index: the same author, committer,
dates and message, the parents re-pointed to the rebuilt ones. The branch
then moves to the rebuilt tip, and the staging area and the work tree
follow where they still hold the old index. A signed commit is never
rebuilt (that would drop its signature); the user is told instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

from gitsess.core.errors import GitSessError
from gitsess.core.files import read_bytes
from gitsess.core.index import INDEX_NAME
from gitsess.core.repo import Repo, git_process
from gitsess.core.workspace import Workspace, write_index
from gitsess.hooks.blobfacts import BlobFacts
from gitsess.hooks.commits import stage_true_index
from gitsess.hooks.staged import blob_id, read_blobs, read_staged, stage_blob, staged_entries

SIGNATURE_HEADERS = (b"gpgsig", b"gpgsig-sha256")
_MOVE_TRIES = 5  # HEAD moved by others while we rebuilt: start again from it


@dataclass(frozen=True)
class Repaired:
    rebuilt: dict[str, str]  # old commit id -> new one
    signed: list[str]  # commits that needed rebuilding but are signed, left as they are
    head: str | None  # the new HEAD, when it moved


def repair_commits(workspace: Workspace, commits: list[str], reason: str) -> Repaired:
    """Rebuild those of `commits` (oldest first) whose index is stale, and those
    built on a rebuilt one; move HEAD when its commit was rebuilt.

    Other processes may commit on HEAD meanwhile (they do not take our lock):
    the commits made on the last of `commits` up to HEAD are rebuilt with
    them, and when HEAD moves before it is moved (git's update-ref compares
    the old value), the whole is done again from the new HEAD."""
    repo = workspace.repo
    with workspace.write_lock():
        facts = BlobFacts(repo.state_dir, workspace.config.sessions_dir)
        for _ in range(_MOVE_TRIES):
            head = repo.git("rev-parse", "HEAD").strip()
            rebuilt, signed = _rebuild(workspace, facts, _through(repo, commits, head))
            if head not in rebuilt:
                return Repaired(rebuilt, signed, None)
            old_index = _index_blob(workspace, head)
            reflog = f"git-sess: session index of the {reason}"
            args = ["update-ref", "-m", reflog, "HEAD", rebuilt[head], head]
            if git_process(repo.root, args, check=False).returncode == 0:
                _follow(workspace, old_index, _index_blob(workspace, rebuilt[head]))
                return Repaired(rebuilt, signed, rebuilt[head])
        raise GitSessError(
            f"HEAD moved {_MOVE_TRIES} times while the session index of the {reason} was"
            " being regenerated: other processes keep committing",
            "run git sess check once they are done, then git sess index and commit",
        )


def _through(repo: Repo, commits: list[str], head: str) -> list[str]:
    """`commits`, and after them those of HEAD's first parents made on the last one."""
    if not commits or commits[-1] == head:
        return commits
    args = ["rev-list", "--reverse", "--first-parent", "--ancestry-path", f"{commits[-1]}..{head}"]
    later = git_process(repo.root, args, check=False).stdout.decode().split()
    return [*commits, *later]


def _rebuild(
    workspace: Workspace, facts: BlobFacts, commits: list[str]
) -> tuple[dict[str, str], list[str]]:
    """The new id of each of `commits` that had to be rebuilt, and the signed ones
    that would have had to be (left as they are, with what is built on them)."""
    repo = workspace.repo
    rebuilt: dict[str, str] = {}
    signed: list[str] = []
    names: list[str] = []  # the exports of the last commit looked at
    for commit in commits:
        header, message = _read_commit(repo, commit)
        parents = _values(header, b"parent")
        new_parents = [rebuilt.get(parent, parent) for parent in parents]
        if new_parents == parents and not _touches_sessions(workspace, commit, parents):
            continue
        tree, names = _true_tree(workspace, facts, commit)
        if tree == _values(header, b"tree")[0] and new_parents == parents:
            continue
        if any(line.split(b" ")[0] in SIGNATURE_HEADERS for line in header):
            signed.append(commit)
            break  # what is built on it could only be rebuilt on the old commit
        rebuilt[commit] = _write_commit(repo, header, message, tree, new_parents)
    facts.save(names)  # once: each save writes everything learned so far
    return rebuilt, signed


def _read_commit(repo: Repo, commit: str) -> tuple[list[bytes], bytes]:
    raw = git_process(repo.root, ["cat-file", "commit", commit]).stdout
    header, _, message = raw.partition(b"\n\n")
    return header.split(b"\n"), message


def _values(header: list[bytes], key: bytes) -> list[str]:
    return [line[len(key) + 1 :].decode() for line in header if line.startswith(key + b" ")]


def _touches_sessions(workspace: Workspace, commit: str, parents: list[str]) -> bool:
    if len(parents) != 1:  # a merge, or a root commit: always looked at
        return True
    args = ["diff-tree", "--quiet", parents[0], commit, "--", workspace.config.sessions_dir]
    return git_process(workspace.repo.root, args, check=False).returncode != 0


def _true_tree(workspace: Workspace, facts: BlobFacts, commit: str) -> tuple[str, list[str]]:
    """`commit`'s tree with the index its exports call for, and its exports."""
    with _temporary_index(workspace.repo, commit):
        tree = read_staged(workspace.repo, workspace.config.sessions_dir)
        stage_true_index(workspace, tree, facts)
        return workspace.repo.git("write-tree").strip(), list(tree.oids)


@contextlib.contextmanager
def _temporary_index(repo: Repo, commit: str) -> Iterator[None]:
    """Point this process's git calls at a staging area holding `commit`'s tree."""
    path = repo.state_dir / f"repair-index-{os.getpid()}"
    saved = os.environ.get("GIT_INDEX_FILE")
    os.environ["GIT_INDEX_FILE"] = str(path)
    try:
        repo.git("read-tree", commit)
        yield
    finally:
        if saved is None:
            del os.environ["GIT_INDEX_FILE"]
        else:
            os.environ["GIT_INDEX_FILE"] = saved
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _write_commit(
    repo: Repo, header: list[bytes], message: bytes, tree: str, parents: list[str]
) -> str:
    kept = [line for line in header if not line.startswith((b"tree ", b"parent "))]
    lines = [f"tree {tree}".encode(), *(f"parent {p}".encode() for p in parents), *kept]
    raw = b"\n".join(lines) + b"\n\n" + message
    args = ["hash-object", "-t", "commit", "-w", "--stdin"]
    return git_process(repo.root, args, input=raw).stdout.decode().strip()


def _index_blob(workspace: Workspace, commit: str) -> str | None:
    path = f"{commit}:{workspace.config.sessions_dir}/{INDEX_NAME}"
    out = git_process(workspace.repo.root, ["rev-parse", "-q", "--verify", path], check=False)
    return out.stdout.decode().strip() or None


def _follow(workspace: Workspace, old: str | None, new: str | None) -> None:
    """The staging area and the work tree take the new index where they still
    hold the old one (anything else there is the user's)."""
    if new is None or old == new:
        return
    repo, path = workspace.repo, f"{workspace.config.sessions_dir}/{INDEX_NAME}"
    entry = staged_entries(repo, path).get(path)
    if entry is not None and entry.oid == old:
        stage_blob(repo, path, new)
    file = workspace.index_path
    unchanged = file.is_file() and not file.is_symlink()
    if unchanged and old is not None and blob_id(read_bytes(file), old) == old:
        text = read_blobs(repo, [new])[new].decode("utf-8", "replace")
        write_index(workspace, None, text)


def rebased_commits(repo: Repo, new_ids: list[str]) -> list[str]:
    """The commits a rebase made, oldest first, from post-rewrite's list of new ids:
    everything HEAD reaches that is not reached from outside that list."""
    made = set(new_ids)
    if not made:
        return []
    out = repo.git("rev-list", "--no-walk=unsorted", "--parents", *made)
    outside = {parent for line in out.splitlines() for parent in line.split()[1:]} - made
    args = ["rev-list", "--reverse", "--topo-order", "HEAD", *(f"^{oid}" for oid in outside)]
    return repo.git(*args).split()
