"""Every export's Files lists, indexed by path and kept in the state directory.

`trace` must not read 10,000 exports to answer for one path, nor decode a
3 MB JSON document, so `trace-files.tsv` is plain text in three parts:

    <code stamp> TAB <sessions dir> TAB <directory fingerprint, or empty>
    <id> TAB <content hash> TAB <date> TAB <status> TAB <title>     one per export
    NUL
    <path> TAB <n><c|m|d> <n><c|m|d> …                             one per listed path

where `n` numbers an export line (from 0) and the letter names its list
(created, modified, deleted). While the fingerprint is the catalog's, a lookup
is a string search for the path's line and the export lines it names. When
any export changed, the records are read back, those whose hash is no longer
the export's are read again (only they), and the file is rewritten. Ids are
plain names (names.is_plain_name) and listed paths hold no white space
(filelists.py), so neither a tab nor a line break can be in them; a title's
are folded to spaces.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gitsess.core.cache import code_stamp, write_cache_text
from gitsess.core.catalog import Catalog
from gitsess.core.filelists import LISTS, listed_files
from gitsess.core.model import Session, parse_export
from gitsess.core.names import is_plain_name
from gitsess.core.workspace import Workspace

CACHE = "trace-files.tsv"
PARSE_ALONE_MAX = 200  # more changed exports than this: load the catalog's metadata instead
_LETTER = {kind: kind[0] for kind in LISTS}  # c, m, d
_KIND = {letter: kind for kind, letter in _LETTER.items()}


@dataclass(frozen=True)
class Known:
    """A session as trace shows it."""

    id: str
    path: str
    date: str | None
    status: str
    title: str


@dataclass(frozen=True)
class Entry:
    session: str  # its id
    list: str  # created, modified or deleted
    path: str  # as listed (tidied: filelists.normalize_path)


class ListIndex:
    """The exports (by id) and, per listed path, which of them list it where."""

    def __init__(self, session_lines: list[str], paths_text: str, sessions_dir: str) -> None:
        self._lines = session_lines
        self._paths = "\n" + paths_text  # every path line starts after a line break
        self._sessions_dir = sessions_dir
        self.ids = {line.partition("\t")[0]: n for n, line in enumerate(session_lines)}

    def session(self, session_id: str) -> Known:
        fields = self._lines[self.ids[session_id]].split("\t")
        date = fields[2] or None
        return Known(fields[0], f"{self._sessions_dir}/{fields[0]}", date, fields[3], fields[4])

    def listing(self, paths: Iterable[str]) -> list[Entry]:
        """The entries that are exactly one of `paths`."""
        found = []
        for path in paths:
            start = self._paths.find(f"\n{path}\t")
            if start >= 0:
                end = self._paths.find("\n", start + 1)
                line = self._paths[start + 1 : end if end >= 0 else None]
                found += self._entries(line)
        return found

    def under(self, prefixes: tuple[str, ...]) -> list[Entry]:
        """The entries inside a folder (`prefixes` end in `/`), the folder too."""
        found = []
        for line in self._paths.split("\n"):
            path = line.partition("\t")[0]
            if path and (path + "/").startswith(prefixes):
                found += self._entries(line)
        return found

    def _entries(self, line: str) -> list[Entry]:
        path, _, refs = line.partition("\t")
        entries = []
        for ref in refs.split():
            number, letter = int(ref[:-1]), ref[-1]
            if number < len(self._lines) and letter in _KIND:
                entries.append(Entry(self._lines[number].partition("\t")[0], _KIND[letter], path))
        return entries


def load_list_index(workspace: Workspace, catalog: Catalog) -> ListIndex:
    """The index for the exports as they are now; brought up to date first when
    any export changed since it was written."""
    sessions_dir = workspace.config.sessions_dir
    path = workspace.repo.state_dir / CACHE
    scan = catalog.scan
    try:
        text = path.read_text("utf-8", "surrogateescape")
    except OSError:
        text = ""
    header, _, rest = text.partition("\n")
    sessions_text, separator, paths_text = rest.partition("\0\n")
    if header.split("\t") != [code_stamp(), sessions_dir, scan.fingerprint] or not separator:
        records = _records(header, sessions_text, paths_text, sessions_dir, separator)
        records, settled = _refresh(workspace, catalog, records)
        sessions_text, paths_text = _render(records)
        fingerprint = scan.fingerprint if settled else ""
        stamp = f"{code_stamp()}\t{sessions_dir}\t{fingerprint}\n"
        write_cache_text(path, f"{stamp}{sessions_text}\0\n{paths_text}")
    lines = sessions_text.split("\n")[:-1] if sessions_text else []
    return ListIndex(lines, paths_text, sessions_dir)


# id -> [hash, date, status, title, created, modified, deleted]
Records = dict[str, list[Any]]


def _records(
    header: str, sessions_text: str, paths_text: str, sessions_dir: str, separator: str
) -> Records:
    """What an older index holds, or nothing when it is from other code or another directory."""
    fields = header.split("\t")
    if len(fields) != 3 or fields[:2] != [code_stamp(), sessions_dir] or not separator:
        return {}
    lines = sessions_text.split("\n")[:-1] if sessions_text else []
    records: Records = {}
    order = []
    for line in lines:
        parts = line.split("\t")
        if len(parts) != 5:
            return {}  # damaged: built again
        records[parts[0]] = [*parts[1:5], [], [], []]
        order.append(parts[0])
    column = {kind: 4 + n for n, kind in enumerate(LISTS)}
    for line in paths_text.split("\n"):
        listed, _, refs = line.partition("\t")
        for ref in refs.split():
            if ref[:-1].isdigit() and int(ref[:-1]) < len(order) and ref[-1] in _KIND:
                records[order[int(ref[:-1])]][column[_KIND[ref[-1]]]].append(listed)
    for record in records.values():
        record[1] = record[1] or None
    return records


def _refresh(workspace: Workspace, catalog: Catalog, records: Records) -> tuple[Records, bool]:
    """The records of the exports now: kept where the hash is unchanged, read again
    where not. False when an export changed during the reading (keep no fingerprint)."""
    scan = catalog.scan
    fresh: Records = {}
    stale = []
    for name, digest in scan.hashes.items():
        record = records.get(name)
        if record is not None and record[0] == digest:
            fresh[name] = record
        else:
            stale.append(name)
    by_id = catalog.by_id if len(stale) > PARSE_ALONE_MAX else None
    settled = True
    for name in stale:
        try:
            data = (workspace.sessions_path / name).read_bytes()
        except OSError:
            settled = False  # gone since the scan: left out, and looked at next time
            continue
        digest = hashlib.sha1(data).hexdigest()
        settled = settled and digest == scan.hashes[name]
        session = _session(catalog, name, data, digest, by_id)
        lists = listed_files(data.decode("utf-8-sig", "replace"))
        by_list = [[p for p, kind in lists if kind == wanted] for wanted in LISTS]
        fresh[name] = [digest, session.date, session.status, session.title, *by_list]
    return fresh, settled


def _session(
    catalog: Catalog, name: str, data: bytes, digest: str, by_id: dict[str, Session] | None
) -> Session:
    """The export's fields: as the scan parsed them, else from the catalog's
    metadata (when many changed), else parsed here (a few)."""
    if digest == catalog.scan.hashes.get(name):
        if name in catalog.scan.parsed:
            return catalog.scan.parsed[name]
        if by_id is not None and name in by_id:
            return by_id[name]
    return parse_export(f"{catalog.sessions_dir}/{name}", data, name)


def _render(records: Records) -> tuple[str, str]:
    session_lines = []
    by_path: dict[str, list[str]] = {}
    kept = [name for name in records if is_plain_name(name)]
    for number, name in enumerate(kept):
        digest, date, status, title, *lists = records[name]
        title = " ".join(str(title).split())
        session_lines.append(
            f"{name}\t{digest}\t{date or ''}\t{' '.join(status.split())}\t{title}\n"
        )
        for kind, entries in zip(LISTS, lists, strict=True):
            for entry in entries:
                by_path.setdefault(entry, []).append(f"{number}{_LETTER[kind]}")
    paths = "".join(f"{path}\t{' '.join(refs)}\n" for path, refs in sorted(by_path.items()))
    return "".join(session_lines), paths
