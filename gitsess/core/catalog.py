"""Every export in the sessions directory, read through a metadata cache.

Parsing 10,000 frontmatters costs seconds, so the cache under
`git rev-parse --git-path gitsess/` (never in the work tree) keeps two files:

- `signatures.json`: each export's size, mtime, inode and content hash. It is
  small, read on every run, and decides what changed. A file whose signature
  is unchanged is trusted; a changed one is read and hashed, and parsed only
  if its content changed. Files modified within RACY_NS of the scan that
  recorded them are re-hashed on the next run, as git does for its index, so
  an edit in the same clock tick as a scan is never missed.
- `metadata.json`: the parsed fields of each (file name, content hash), read
  only when a command needs the fields themselves.

The hashes also give a fingerprint of the whole directory, which lets
`index` skip rendering when nothing changed since it last rendered.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitsess.core.cache import (
    code_stamp,
    read_cache_file,
    stat_signature,
    write_cache_file,
    write_cache_text,
)
from gitsess.core.errors import AmbiguousSession, GitSessError, SessionNotFound
from gitsess.core.files import read_bytes
from gitsess.core.model import Session, newest_first, parse_export
from gitsess.core.names import is_export_name, is_note_folder, is_plain_name

SIGNATURES = "signatures.tsv"
METADATA = "metadata.json"
RACY_NS = 2_000_000_000
PARALLEL_MIN = 500  # changed exports worth a process pool


@dataclass
class Scan:
    """What is in the sessions directory now: file name -> content hash."""

    hashes: dict[str, str]
    parsed: dict[str, Session]  # files that had to be parsed during the scan
    # Notes whose names are not UTF-8 (as Python spells such bytes) or hold
    # control characters: left out of everything, which could not print or
    # store them safely, and reported by `check`.
    unnamed: list[str] = field(default_factory=list)
    # Exports that are symbolic links: never followed (a clone may point one at
    # ~/.ssh), so left out too, and reported by `check`.
    linked: list[str] = field(default_factory=list)
    known_fingerprint: str | None = None  # recorded with the signatures, when still true

    @functools.cached_property
    def fingerprint(self) -> str:
        if self.known_fingerprint is not None:
            return self.known_fingerprint
        hashes = self.hashes
        lines = "".join([f"{name}\0{hashes[name]}\n" for name in sorted(hashes)])
        return hashlib.sha1(f"{code_stamp()}{lines}".encode(errors="surrogateescape")).hexdigest()


class Catalog:
    """The sessions, newest first then by id; their fields are loaded on first use."""

    def __init__(
        self,
        scan: Scan,
        sessions_dir: str,
        state_dir: Path,
        sessions_path: Path,
        cache_prefix: str = "",
    ):
        self.scan = scan
        self.sessions_dir = sessions_dir
        self._state_dir = state_dir
        self._sessions_path = sessions_path
        self._cache_prefix = cache_prefix

    @property
    def fingerprint(self) -> str:
        return self.scan.fingerprint

    @functools.cached_property
    def sessions(self) -> list[Session]:
        sessions = _load_sessions(
            self.scan,
            self.sessions_dir,
            self._state_dir / f"{self._cache_prefix}{METADATA}",
            self._sessions_path,
        )
        return newest_first(sessions)

    def newest_of(self, sessions: list[Session]) -> Session:
        """Of `sessions` (newest first), the one written last on the newest day:
        a date alone cannot order a morning's note before an evening's."""
        day = [s for s in sessions if s.date == sessions[0].date]
        return max(day, key=lambda s: self._written(s.id)) if len(day) > 1 else sessions[0]

    def _written(self, name: str) -> float:
        try:
            return (self._sessions_path / name).stat().st_mtime
        except OSError:
            return 0.0

    @functools.cached_property
    def by_id(self) -> dict[str, Session]:
        return {session.id: session for session in self.sessions}

    def resolve(self, ref: str, sessions_path: Path, root: Path | None = None) -> Session:
        """A session by id, id without `.md`, unique prefix, or path to the file
        (relative to where the user is, or to the top of the work tree)."""
        if "/" in ref or os.sep in ref:
            return self._by_path(ref, sessions_path, root)
        for candidate in (ref, ref + ".md"):
            if candidate in self.by_id:
                return self.by_id[candidate]
        folded = ref.lower()
        exact = [i for i in self.by_id if f"{folded}.md" in _short_names(i.lower())]
        if len(exact) == 1:  # `top` names session_…_top.md even beside session_…_top_2.md
            return self.by_id[exact[0]]
        matches = sorted(
            session_id
            for session_id in self.by_id
            if any(name.startswith(folded) for name in _short_names(session_id.lower()))
        )
        if len(matches) == 1:
            return self.by_id[matches[0]]
        if matches:
            shown = ", ".join(matches[:10]) + (" …" if len(matches) > 10 else "")
            raise AmbiguousSession(
                f"{ref!r} matches {len(matches)} sessions: {shown}",
                "give more of the id",
            )
        raise SessionNotFound(f"no session {ref!r}", "git sess list shows the ids")

    def _by_path(self, ref: str, sessions_path: Path, root: Path | None) -> Session:
        """A path to the file, or an id with folders (`archive/x`)."""
        plain = ref.replace(os.sep, "/")
        for candidate in (plain, plain + ".md"):
            if candidate in self.by_id:
                return self.by_id[candidate]
        directory = sessions_path.resolve()
        candidates = [Path.cwd() / ref] + ([root / ref] if root else [])
        for path in (candidate.resolve() for candidate in candidates):
            try:
                session_id = path.relative_to(directory).as_posix()
            except ValueError:
                continue
            if session_id in self.by_id:
                return self.by_id[session_id]
            raise SessionNotFound(f"no session {ref!r}", "git sess list shows the ids")
        raise SessionNotFound(
            f"{ref} is not an export in {sessions_path}",
            "name a file inside the sessions directory, or give its id",
        )


def _short_names(session_id: str) -> tuple[str, ...]:
    """What a user may type for an id: all of it, without `session_`, just the slug,
    or (in a folder) the file name alone."""
    name = session_id.rsplit("/", 1)[-1]
    without_prefix = name.removeprefix("session_")
    slug = re.sub(r"^\d{8}_", "", without_prefix)
    return (
        (session_id, name, without_prefix, slug)
        if name != session_id
        else (session_id, without_prefix, slug)
    )


def load_catalog(
    sessions_path: Path, sessions_dir: str, state_dir: Path, cache_prefix: str = ""
) -> Catalog:
    """The exports directly inside `sessions_path`; `cache_prefix` keeps the cache
    files of another directory (checkpoints/) apart from the sessions' own."""
    return Catalog(
        scan_sessions(sessions_path, sessions_dir, state_dir, cache_prefix),
        sessions_dir,
        state_dir,
        sessions_path,
        cache_prefix,
    )


def require_sessions_dir(sessions_path: Path, sessions_dir: str) -> None:
    if sessions_path.is_dir():
        return
    if sessions_path.exists():
        raise GitSessError(
            f"{sessions_dir} exists but is not a directory",
            "move it away, or keep sessions elsewhere: git config sess.dir <dir>",
        )
    raise GitSessError(f"no sessions directory {sessions_dir}/", "git sess init")


def scan_sessions(
    sessions_path: Path, sessions_dir: str, state_dir: Path, cache_prefix: str = ""
) -> Scan:
    """Find every export and its content hash, reading only files that changed."""
    signatures_path = state_dir / f"{cache_prefix}{SIGNATURES}"
    recorded = _read_signatures(signatures_path, sessions_dir)
    scan_ns = time.time_ns()
    entries, unnamed, linked = _export_entries(sessions_path)
    # Every command runs this for every export (10,000 stat calls take ~30 ms),
    # so the common case is one string comparison: the directory listed with
    # each file's signature, exactly as recorded, and nothing recent enough to
    # hide an edit in the same clock tick.
    stats = [entry.stat(follow_symlinks=False) for _, entry in entries]
    names = [name for name, _ in entries]
    signatures = [stat_signature(stat) for stat in stats]
    listing = "".join([f"{name}\t{sig}\n" for name, sig in zip(names, signatures, strict=True)])
    newest = max((stat.st_mtime_ns for stat in stats), default=0)
    trusted_before = recorded.written_ns - RACY_NS
    if listing == recorded.listing and newest < trusted_before:
        hashes = dict(zip(names, recorded.digests, strict=True))
        return Scan(hashes, {}, unnamed, linked, known_fingerprint=recorded.fingerprint)
    known = recorded.records()
    files: dict[str, tuple[str, str]] = {}
    stale: list[tuple[str, str, str | None]] = []  # (name, signature, hash last seen)
    for name, stat, signature in zip(names, stats, signatures, strict=True):
        record = known.get(name)
        if record is not None and record[0] == signature and stat.st_mtime_ns < trusted_before:
            files[name] = record
        else:
            stale.append((name, signature, record[1] if record else None))
    parsed: dict[str, Session] = {}
    for name, signature, digest, fields in _read_stale(sessions_path, sessions_dir, stale):
        files[name] = (signature, digest)
        if fields is not None:
            parsed[name] = Session.from_record(name, f"{sessions_dir}/{name}", fields)
    scan = Scan({name: files[name][1] for name in names}, parsed, unnamed, linked)
    _write_signatures(signatures_path, sessions_dir, scan_ns, names, files, scan.fingerprint)
    return scan


# (name, signature, hash, parsed record or None when the content is unchanged);
# records rather than Sessions because they cross process boundaries cheaply.
StaleResult = tuple[str, str, str, "list[Any] | None"]


def _read_stale(
    sessions_path: Path, sessions_dir: str, stale: list[tuple[str, str, str | None]]
) -> list[StaleResult]:
    """Hash the files whose signature changed; parse those whose content changed.

    YAML parsing is CPU-bound (~0.1 ms an export), so a cold cache of thousands
    of exports is spread over the CPUs; a handful is read in this process.
    """
    workers = min(os.cpu_count() or 1, 8)
    if len(stale) < PARALLEL_MIN or workers < 2 or not _can_fork():
        return _read_batch(sessions_path, sessions_dir, stale)
    import multiprocessing
    import signal

    batches = [stale[start :: workers * 4] for start in range(workers * 4)]
    arguments = [(sessions_path, sessions_dir, batch) for batch in batches]
    # SIGINT is blocked while the workers are forked, so each one starts with it
    # blocked and ignores it before unblocking: only this process reacts to ^C
    # (exit 130, no worker tracebacks), and `finally` ends every worker.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupts)
    except OSError:  # no process pool here (a sandbox, no /dev/shm)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        return _read_batch(sessions_path, sessions_dir, stale)
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        done = pool.starmap(_read_batch, arguments)
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # no re-forks after ^C
        pool.terminate()
        pool.join()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    return [result for batch in done for result in batch]


def _ignore_interrupts() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _read_batch(
    sessions_path: Path, sessions_dir: str, batch: list[tuple[str, str, str | None]]
) -> list[StaleResult]:
    results: list[StaleResult] = []
    for name, signature, seen in batch:
        data = read_bytes(sessions_path / name)
        digest = hashlib.sha1(data).hexdigest()
        record = None
        if digest != seen:
            record = parse_export(f"{sessions_dir}/{name}", data, name).to_record()
        results.append((name, signature, digest, record))
    return results


def _can_fork() -> bool:
    # Fork only on Linux: elsewhere it is unsafe or slow (macOS), and spawning
    # fresh interpreters would cost more than it saves.
    if sys.platform != "linux":
        return False
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def file_signature(path: Path) -> str | None:
    try:
        return stat_signature(os.lstat(path))
    except OSError:
        return None


def trusted_signature(path: Path, recorded: str | None, written_ns: int) -> bool:
    """Whether `path` still has the signature recorded at `written_ns`, far enough
    from that moment that an edit in the same clock tick cannot hide behind it."""
    current = file_signature(path)
    if current is None or current != recorded:
        return False
    return int(current.split(":")[1]) < written_ns - RACY_NS


@dataclass
class _Signatures:
    """What the last scan recorded: the listing it saw, each file's hash (in the
    listing's order), the directory's fingerprint, and when it looked."""

    written_ns: int = 0
    listing: str | None = None  # "name\tsignature\n" per export, in directory order
    digests: list[str] = field(default_factory=list)
    fingerprint: str | None = None

    def records(self) -> dict[str, tuple[str, str]]:
        """name -> (signature, hash)"""
        rows = (line.split("\t") for line in (self.listing or "").split("\n") if line)
        return {
            name: (signature, digest)
            for (name, signature), digest in zip(rows, self.digests, strict=False)
        }


def _read_signatures(path: Path, sessions_dir: str) -> _Signatures:
    """A plain text file, read on every run: comparing and splitting strings is
    many times faster than decoding JSON."""
    try:
        with open(path, encoding="utf-8") as handle:
            header, _, body = handle.read().partition("\n")
        key, cached_dir, written, fingerprint = header.split("\t")
        if key != code_stamp() or cached_dir != sessions_dir:
            return _Signatures()
        listing, separator, digests = body.partition("\0\n")
        if not separator:
            return _Signatures()
        hashes = digests.split("\n") if digests else []
        if len(hashes) != listing.count("\n"):
            return _Signatures()
        return _Signatures(int(written), listing, hashes, fingerprint)
    except (OSError, ValueError):
        return _Signatures()  # missing, corrupt or from another version: rebuilt below


def _write_signatures(
    path: Path,
    sessions_dir: str,
    scan_ns: int,
    names: list[str],
    files: dict[str, tuple[str, str]],
    fingerprint: str,
) -> None:
    kept = [name for name in names if _cacheable(name)]
    listing = "".join(f"{name}\t{files[name][0]}\n" for name in kept)
    digests = "\n".join(files[name][1] for name in kept)
    header = f"{code_stamp()}\t{sessions_dir}\t{scan_ns}\t{fingerprint}"
    write_cache_text(path, f"{header}\n{listing}\0\n{digests}")


def _load_sessions(
    scan: Scan, sessions_dir: str, metadata_path: Path, sessions_path: Path
) -> list[Session]:
    store = read_cache_file(metadata_path, sessions_dir).get("records", {})
    records: dict[str, list[Any]] = {}
    sessions = []
    dirty = False
    for name, digest in scan.hashes.items():
        path = f"{sessions_dir}/{name}"
        session = scan.parsed.get(name) or _stored_session(store.get(name), digest, name, path)
        if session is None:  # not stored (new, or lost in a crash between two writes)
            session = parse_export(path, read_bytes(sessions_path / name), name)
            dirty = True
        sessions.append(session)
        if _cacheable(name):
            records[name] = [digest, session.to_record()]
    if dirty or scan.parsed or records.keys() != store.keys():
        write_cache_file(metadata_path, sessions_dir, {"records": records})
    return sessions


def _cacheable(name: str) -> bool:
    """Names the cache files can hold: UTF-8 without tabs or line breaks. Others
    (rare, odd names) are simply parsed again on every run."""
    return is_plain_name(name)


def _stored_session(stored: Any, digest: str, name: str, path: str) -> Session | None:
    if not (isinstance(stored, list) and len(stored) == 2 and stored[0] == digest):
        return None
    try:
        return Session.from_record(name, path, stored[1])
    except (TypeError, ValueError):
        return None  # a corrupt record: parse the file again


def _export_entries(
    sessions_path: Path,
) -> tuple[list[tuple[str, os.DirEntry[str]]], list[str], list[str]]:
    """(path relative to the directory, entry) of every export, folders included;
    the notes whose names are not plain; the exports that are symbolic links.
    Symbolic links are never followed, to a file or to a folder."""
    unnamed: list[str] = []
    linked: list[str] = []
    try:
        return _walk(sessions_path, "", unnamed, linked), unnamed, linked
    except OSError as exc:
        raise GitSessError(
            f"cannot read {sessions_path}: {exc.strerror or exc}",
            f"make it readable: chmod u+rx {sessions_path}",
        ) from exc


def _walk(
    directory: Path | str, prefix: str, unnamed: list[str], linked: list[str]
) -> list[tuple[str, os.DirEntry[str]]]:
    found: list[tuple[str, os.DirEntry[str]]] = []
    folders: list[str] = []
    with os.scandir(directory) as entries:
        for entry in entries:
            name = prefix + entry.name
            if name.endswith(".md"):
                if not is_export_name(name):
                    continue
                if entry.is_file(follow_symlinks=False):
                    if is_plain_name(name):
                        found.append((name, entry))
                    else:
                        unnamed.append(name)
                elif entry.is_symlink() and is_plain_name(name):
                    linked.append(name)
            elif (
                entry.is_dir(follow_symlinks=False) and is_note_folder(name) and is_plain_name(name)
            ):
                folders.append(entry.path)
    for folder in folders:  # after the listing is closed: one open directory at a time
        found.extend(_walk(folder, f"{prefix}{os.path.basename(folder)}/", unnamed, linked))
    return found
