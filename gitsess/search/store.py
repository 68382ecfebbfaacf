"""The search index on disk, kept in step with the exports.

The index lives in `git rev-parse --git-path gitsess/search` (per worktree,
never in the work tree). Whoosh writes and reads its files (backend.py); this
module decides when, and keeps the records that say what the index holds.

Freshness: every search first compares the exports (the catalog's scan: file
signatures, content hashes only for files whose signature changed) with what
the index holds, recorded in the index directory next to Whoosh's files. When
nothing changed, no lock is taken and nothing is written.

Safety:
- Whoosh keeps its schema as a pickle, so an index is opened only when our own
  manifest, written after each commit, says git-sess built it with this schema
  and this Whoosh version.
- Writers take `search.lock` (bounded wait, clear message); readers never take
  it. Incremental writes go through Whoosh's own commit (the table of contents
  is renamed into place); full builds are written next to the live index and
  swapped in, so a reader sees either the old index or the new one. A build
  that is interrupted (^C) or fails leaves the old index as it was.
- The manifest lags the index, never leads it (it is written after Whoosh
  commits), and every update is idempotent, so a writer killed at any moment
  leaves something the next run completes. Files that no longer have the size
  and mtime the manifest recorded, a table of contents with another hash, or
  files that make Whoosh raise are rebuilt with a notice (and records.py's).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitsess.core.errors import GitSessError
from gitsess.core.files import exclusive_lock, write_atomic
from gitsess.core.workspace import Workspace
from gitsess.search import manifest as manifests
from gitsess.search import records
from gitsess.search.backend import (
    SCHEMA_VERSION,
    Damaged,
    Progress,
    create_index,
    merge_small,
    update_index,
)
from gitsess.search.documents import Corpus, corpus, differences, document, read_indexed
from gitsess.search.manifest import MANIFEST, Manifest, latest_generation, sha256, toc_name

INDEX_DIR = "search"
LOCK_NAME = "search.lock"
BUILD_LEFTOVERS = (f"{INDEX_DIR}.new-*", f"{INDEX_DIR}.old-*")  # a build's two directories
JOURNAL_MIN = 64 * 1024  # bytes of journal always allowed before it is folded into the list
LOCK_TIMEOUT = 60.0  # a full build of 10,000 exports takes ~15 s on two CPUs
REBUILD_MIN = 200  # more changes than this (and a fifth of the index): rebuild instead


@dataclass(frozen=True)
class Stats:
    path: Path
    documents: int
    size: int  # bytes on disk
    segments: int
    built_ns: int  # last full build
    updated_ns: int  # last change written
    pending: int  # exports changed since (the next search applies them)
    schema: int
    whoosh: str

    def public(self) -> dict[str, Any]:
        """`search --stats --json`"""
        return {**self.__dict__, "path": str(self.path)}


class SearchIndex:
    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.state_dir = workspace.repo.state_dir
        self.path = self.state_dir / INDEX_DIR
        self.notices: list[str] = []
        # (built_ns, records, documents_size), journal bytes applied, the documents
        self._known: tuple[tuple[int, int, int], int, dict[str, str]] | None = None

    # Reading: no lock, never blocks.

    def exists(self) -> bool:
        return (self.path / MANIFEST).is_file()

    def manifest(self) -> Manifest | None:
        """Our record of the live index, or None when there is none we can trust."""
        return manifests.read(self.path, self.workspace.config.sessions_dir)

    def check_intact(self, manifest: Manifest) -> None:
        """Raise Damaged unless the files are the ones the manifest recorded.

        Whoosh's files never change once written, so a size or mtime that moved
        means damage. A generation the manifest does not name is never opened:
        a writer died after committing, or something else wrote it; it is
        rebuilt under the lock (a writer still committing is waited for).
        """
        latest = latest_generation(self.path)
        if latest != manifest.generation:
            raise Damaged(f"generation {latest} is not the recorded {manifest.generation}")
        for name, (size, mtime) in manifest.files.items():
            try:
                stat = os.stat(self.path / name)
            except OSError:
                raise Damaged(f"{name} is missing") from None
            if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
                raise Damaged(f"{name} changed after it was written")
        if sha256(self.path / toc_name(latest)) != manifest.toc_sha256:
            raise Damaged(f"{toc_name(latest)} is not the one written")
        # What the index holds: a list cut short would leave deleted exports in it.
        documents, journal = records.size(self.path / manifest.documents_name), 0
        if manifest.journal_size:
            journal = records.size(self.path / manifest.journal_name)
        if documents != manifest.documents_size:
            raise Damaged(f"{manifest.documents_name} is not the one written")
        if journal < manifest.journal_size:
            raise Damaged(f"{manifest.journal_name} is shorter than written")

    def documents(self, manifest: Manifest | None = None) -> dict[str, str]:
        """What the index holds: document key -> the content hash it was indexed from.

        Kept from one call to the next (the server's index lives long): while the list
        is the one read last time, only the journal lines appended since are read."""
        manifest = manifest or self.manifest()
        if manifest is None:
            return {}
        identity = (manifest.built_ns, manifest.records, manifest.documents_size)
        known = self._known
        try:
            if known is None or known[0] != identity or known[1] > manifest.journal_size:
                held, start = (
                    records.merged((self.path / manifest.documents_name).read_bytes(), b""),
                    0,
                )
            else:
                held, start = known[2], known[1]
            journal = b""
            if manifest.journal_size > start:
                with open(self.path / manifest.journal_name, "rb") as file:
                    file.seek(start)
                    journal = file.read(manifest.journal_size - start)
        except OSError:
            return {}
        records.apply(held, journal)
        self._known = None
        if start + len(journal) == manifest.journal_size:  # else cut short: read it all again
            self._known = (identity, manifest.journal_size, held)
        return dict(held)

    def stats(self) -> Stats:
        """The live index as it is; builds it first only when there is none."""
        manifest = self.manifest()
        if manifest is None:
            self.bring_up_to_date()
            manifest = self.manifest()
            assert manifest is not None
        indexed = self.documents()
        changed, deleted = differences(indexed, corpus(self.workspace))
        return Stats(
            path=self.path,
            documents=len(indexed),
            size=sum(size for size, _ in manifest.files.values()),
            segments=sum(name.endswith(".trm") for name in manifest.files),
            built_ns=manifest.built_ns,
            updated_ns=manifest.updated_ns,
            pending=len(changed) + len(deleted),
            schema=SCHEMA_VERSION,
            whoosh=manifest.whoosh,
        )

    # Writing: under the lock.

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        timeout = self.workspace.config.lock_timeout or LOCK_TIMEOUT
        with exclusive_lock(
            self.state_dir / LOCK_NAME,
            timeout,
            activity="updating the search index",
            hint="wait for it to finish (git sess search --stats shows the index), then run"
            " the command again",
        ):
            yield

    def bring_up_to_date(self) -> None:
        """What every search does first: nothing at all when nothing changed."""
        now = corpus(self.workspace)
        manifest = self.manifest()
        if manifest is not None and manifest.fingerprint == now.fingerprint:
            try:
                self.check_intact(manifest)
                return
            except Damaged:
                pass  # sync() below rebuilds it, under the lock
        with self.lock():
            self.sync(now)

    def sync(self, corpus: Corpus) -> None:
        """Bring the index up to date with `corpus`; the caller holds the lock."""
        if not self.path.exists():
            self._recover_swap()
        self._remove_leftovers()
        manifest = self.manifest()
        if manifest is None:
            self.build(corpus, None, reason=self._missing_reason())
            return
        try:
            self.check_intact(manifest)
            self._apply_changes(corpus, manifest)
        except Damaged as damage:
            self.build(corpus, None, reason=f"the search index was damaged ({damage})")

    def _missing_reason(self) -> str | None:
        if not self.path.exists():
            return None  # a first build needs no notice
        if not (self.path / MANIFEST).exists():
            return "the search index was not one git-sess wrote"
        return (
            "the search index was written for another sessions directory or by another"
            " version of git-sess or Whoosh"
        )

    def _recover_swap(self) -> None:
        """A build killed between its two renames left the index beside its place:
        the new one if it was complete (its manifest is written last), else the old."""
        for pattern in BUILD_LEFTOVERS:
            for candidate in sorted(self.path.parent.glob(pattern)):
                try:  # one left unreadable (chmod 000) is no index: rebuilt instead
                    complete = (candidate / MANIFEST).is_file()
                except OSError:
                    continue
                if complete:
                    os.rename(candidate, self.path)
                    return

    def _remove_leftovers(self) -> None:
        """Directories of builds that were killed (a live build holds the lock)."""
        import shutil

        for pattern in BUILD_LEFTOVERS:
            for leftover in self.path.parent.glob(pattern):
                shutil.rmtree(leftover, ignore_errors=True)

    def _apply_changes(self, corpus: Corpus, manifest: Manifest) -> None:
        changed, deleted = differences(self.documents(manifest), corpus)
        if len(changed) + len(deleted) > max(REBUILD_MIN, len(corpus.digests) // 5):
            # e.g. a checkout of a distant branch: one document at a time in one
            # process is slower than a parallel build, and holds the lock longer
            self.build(corpus, None, reason=None)
            return
        if changed or deleted:
            sessions_path = self.workspace.sessions_path
            documents = (document(key, *corpus.session(key, sessions_path)) for key in changed)
            update_index(self.path, deleted, documents)
            _fault_point("after-commit")
        written = {key: corpus.digests[key] for key in changed}
        self._record(manifest, written, deleted, corpus.fingerprint, lambda: corpus.digests)

    def _record(
        self,
        manifest: Manifest,
        written: dict[str, str],
        deleted: list[str],
        fingerprint: str,
        everything: Callable[[], dict[str, str]],
    ) -> None:
        """After Whoosh committed `written` and `deleted`: their lines in the journal,
        or the whole list `everything()` once the journal outgrew it; the manifest."""
        lines = records.lines(written, deleted)
        if manifest.journal_size + len(lines) > max(JOURNAL_MIN, manifest.documents_size // 2):
            directory = self.workspace.config.sessions_dir
            _write_records(
                self.path,
                directory,
                everything(),
                fingerprint,
                manifest.built_ns,
                manifest.records + 1,
            )
            return
        if lines:
            records.append(self.path / manifest.journal_name, manifest.journal_size, lines)
            _fault_point("after-journal")
        manifests.write(
            self.path,
            self.workspace.config.sessions_dir,
            fingerprint,
            manifest.built_ns,
            manifest.records,
            manifest.documents_size,
            manifest.journal_size + len(lines),
        )

    def sync_paths(self, names: Iterable[str]) -> bool:
        """Bring the documents at `names` (paths inside the sessions directory, as
        `checkpoints/x.md`) up to date, reading those files alone, for a caller that
        knows nothing else changed (a file-system watcher). False, having changed
        nothing, when only a scan can tell (records.named_changes) or there is no
        index it trusts: then call bring_up_to_date(). The manifest records no
        fingerprint, so the next scan compares the documents once more. The commit
        merges no segment, so each costs the same: call merge_small() now and then."""
        with self.lock():
            manifest = self._trusted()
            if manifest is None:
                return False
            indexed = self.documents(manifest)
            changes = records.named_changes(self.workspace, indexed, names)
            if changes is None:
                return False
            written, documents, deleted = changes
            if not (written or deleted):
                return True
            update_index(self.path, deleted, documents, merge=False)
            _fault_point("after-commit")

            def everything() -> dict[str, str]:
                for key in deleted:
                    indexed.pop(key, None)
                return {**indexed, **written}

            self._record(manifest, written, deleted, "", everything)
        return True

    def _trusted(self) -> Manifest | None:
        """The manifest, if the files are the ones it recorded."""
        manifest = self.manifest()
        if manifest is None:
            return None
        try:
            self.check_intact(manifest)
        except Damaged:
            return None
        return manifest

    def merge_small(self) -> bool:
        """Merge the small segments one-document commits (sync_paths) left; the
        documents are the same, so only the manifest's files change. False when
        there is no index this can trust (nothing is done)."""
        with self.lock():
            manifest = self._trusted()
            if manifest is None:
                return False
            merge_small(self.path)
            manifests.write(
                self.path,
                self.workspace.config.sessions_dir,
                manifest.fingerprint,
                manifest.built_ns,
                manifest.records,
                manifest.documents_size,
                manifest.journal_size,
            )
        return True

    def build(self, corpus: Corpus, progress: Progress | None, reason: str | None) -> None:
        """Write a whole new index beside the live one, then swap it in."""
        import shutil

        if reason:
            self.notices.append(f"{reason}; rebuilt it")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_leftovers()
        fresh = self.path.with_name(f"{INDEX_DIR}.new-{os.getpid()}")
        retired = self.path.with_name(f"{INDEX_DIR}.old-{os.getpid()}")
        try:
            fresh.mkdir()
            count = len(corpus.digests)
            documents = self._documents(corpus)
            create_index(fresh, documents, count, _halfway_fault_point(progress, count))
            directory = self.workspace.config.sessions_dir
            _write_records(fresh, directory, corpus.digests, corpus.fingerprint, time.time_ns(), 0)
            if self.path.exists():
                os.rename(self.path, retired)
            _fault_point("between-renames")
            os.rename(fresh, self.path)
        except OSError as exc:
            raise GitSessError(
                f"cannot write the search index in {self.path.parent}: {exc.strerror or exc}",
                f"make {self.path.parent} writable, then: git sess reindex",
            ) from exc
        finally:
            shutil.rmtree(fresh, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)

    def _documents(self, corpus: Corpus) -> Iterator[dict[str, Any]]:
        """Every document, its fields from the catalog's metadata cache."""
        for prefix, catalog in corpus.catalogs.items():
            for session in catalog.sessions:
                key = f"{prefix}/{session.id}" if prefix else session.id
                data = read_indexed(self.workspace.sessions_path / key)
                yield document(key, session, data)


def _fault_point(name: str) -> None:
    """Tests kill the process here, at moments a timer cannot hit reliably."""
    if os.environ.get("GIT_SESS_TEST_KILL_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _halfway_fault_point(progress: Progress | None, count: int) -> Progress | None:
    """`progress`, and the fault point `mid-build` once half the documents are written."""
    if os.environ.get("GIT_SESS_TEST_KILL_AT") != "mid-build":
        return progress

    def report(done: int, total: int) -> None:
        if progress:
            progress(done, total)
        if done == count // 2:
            _fault_point("mid-build")

    return report


def _write_records(
    path: Path,
    sessions_dir: str,
    digests: dict[str, str],
    fingerprint: str,
    built_ns: int,
    number: int,
) -> None:
    """A whole document list numbered `number`, then the manifest naming it (both
    describe what Whoosh committed), then the lists it replaced are removed."""
    data = records.whole_list(digests)
    write_atomic(path / records.list_name(number), data, durable=False)
    with contextlib.suppress(FileNotFoundError):  # a journal of that number, left by a kill
        os.remove(path / records.journal_name(number))
    _fault_point("after-documents")
    manifests.write(path, sessions_dir, fingerprint, built_ns, number, len(data), 0)
    records.remove_others(path, keep=records.list_name(number))
