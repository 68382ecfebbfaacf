"""What a commit needs of each staged export, remembered by git blob id.

A commit of one export out of 10,000 must not parse the other 9,999 to
regenerate the index and check links. Their blob ids (from `ls-files -s`)
name their content exactly, so what the index and the link checks need of
each is kept per file name with the blob id it was read from:

- `blob-facts.json`: per export its blob id, its link targets and a digest
  of its index entry; and the index last staged (blob id, project name, and
  the digest of all the entries it was rendered from). This is read on every
  commit, and is enough to know that an edit which changes no entry (a body
  edit) leaves the index as it is, without rendering it.
- `blob-entries.json`: the index entries themselves, read only to render.

Rewriting 10,000 records on every commit would cost as much as it saves, so a
commit appends the few records it learned to `blob-facts.log`, one JSON line
each; the log names the generation of the files it extends and is folded into
new ones once it grows long. All three are caches: anything unreadable in
them is ignored and learned again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from gitsess.core.cache import read_cache_file, write_cache_file
from gitsess.core.index import Entry, entry_of
from gitsess.core.links import normalize_link
from gitsess.core.model import Session

FACTS = "blob-facts.json"
ENTRIES = "blob-entries.json"
LOG = "blob-facts.log"
FOLD_AT = 500  # log lines worth rewriting the files for
INDEX_KEY = ""  # the log's name for the index record (no export is named "")


class BlobFacts:
    """The facts of the staged exports, by name, each valid for one blob id."""

    def __init__(self, state_dir: Path, sessions_dir: str) -> None:
        self._state_dir = state_dir
        self._sessions_dir = sessions_dir
        cache = read_cache_file(state_dir / FACTS, sessions_dir)
        records = cache.get("records")
        # name -> [blob id, entry digest, [[kind, id], …]]
        self._records: dict[str, list] = records if isinstance(records, dict) else {}
        self._generation = cache.get("generation") if self._records else None
        # [blob id, project name, digest of the entries] of the index last staged
        self._index: list = _index_record(cache.get("index"))
        self._entries: dict[str, list] = {}  # name -> [date, line], learned or loaded
        self._entries_loaded = False
        self._logged = self._read_log()
        self._learned: dict[str, list] = {}  # name -> log line, written by save

    def _read_log(self) -> int:
        """Apply the log lines written for these files; their count."""
        try:
            lines = (self._state_dir / LOG).read_bytes().split(b"\n")
            header = json.loads(lines[0])
        except (OSError, ValueError):
            return 0
        if self._generation is None or header != {"generation": self._generation}:
            return 0
        for count, line in enumerate(lines[1:]):
            try:
                name, record, *entry = json.loads(line)
            except (ValueError, TypeError):
                # A line cut short by a crash ends the log, and the next save
                # writes new files rather than append after it.
                return FOLD_AT if line else count
            if name == INDEX_KEY:
                self._index = _index_record(record)
            elif _well_formed(name, record, entry):
                self._records[name] = record
                self._entries[name] = entry[0]
        return len(lines) - 1

    def missing(self, oids: Mapping[str, str]) -> list[str]:
        """The names whose facts are not known for their blob id (or are damaged:
        the files are ours, but anything in .git can be edited)."""
        records = self._records
        return [
            name
            for name, oid in oids.items()
            if not ((record := records.get(name)) is not None and _valid_record(record))
            or record[0] != oid
        ]

    def links(self, name: str) -> list[list[str]]:
        """[kind, id] for each safe link of the export."""
        return self._records[name][2]

    def put(self, name: str, oid: str, session: Session) -> None:
        links = [
            [kind, target]
            for kind, raw in session.links
            if (target := normalize_link(raw, self._sessions_dir)) is not None
        ]
        date, _, line = entry_of(session, self._sessions_dir)
        record, entry = [oid, _digest(f"{date}\n{line}"), links], [date, line]
        if self._records.get(name) != record or self._entries.get(name) != entry:
            self._records[name] = record
            self._entries[name] = entry
            self._learned[name] = [name, record, entry]

    def entries(self, names: Iterable[str]) -> list[Entry]:
        """The index entries of these exports (an export's id is its file name);
        `without_entries` names those that must be put again first."""
        entries = self._loaded_entries()
        return [(entries[name][0], name, entries[name][1]) for name in names]

    def without_entries(self, names: Iterable[str]) -> list[str]:
        """The exports whose entries are not at hand (the entries file was damaged)."""
        entries = self._loaded_entries()
        return [name for name in names if name not in entries]

    def _loaded_entries(self) -> dict[str, list]:
        if not self._entries_loaded:
            stored = read_cache_file(self._state_dir / ENTRIES, self._sessions_dir)
            entries = stored.get("entries")
            if stored.get("generation") == self._generation and isinstance(entries, dict):
                # An entry is taken only if it is the one its record's digest names.
                records = self._records
                checked = {
                    name: entry
                    for name, entry in entries.items()
                    if _valid_entry(entry)
                    and name in records
                    and records[name][1] == _digest(f"{entry[0]}\n{entry[1]}")
                }
                self._entries = {**checked, **self._entries}
            self._entries_loaded = True
        return self._entries

    def index_digest(self, names: Iterable[str]) -> str:
        """What the index of these exports says, as one digest of their entries."""
        records = self._records
        return _digest("".join(f"{name}\0{records[name][1]}\n" for name in sorted(names)))

    def staged_index(self) -> tuple[str | None, str | None, str | None]:
        """(blob id, project name, index digest) of the index last staged."""
        oid, project, digest = self._index
        return oid, project, digest

    def put_index(self, oid: str, project: str, digest: str) -> None:
        if self._index != [oid, project, digest]:
            self._index = [oid, project, digest]
            self._learned[INDEX_KEY] = [INDEX_KEY, self._index]

    def save(self, names: Iterable[str]) -> None:
        """Write what was learned: appended to the log, or, when the log has grown
        long, new files holding the facts of `names` (the staged exports)."""
        if not self._learned:
            return
        if self._generation is None or self._logged + len(self._learned) > FOLD_AT:
            self._fold(list(names))
            return
        lines = [json.dumps(line, ensure_ascii=False) for line in self._learned.values()]
        with (
            contextlib.suppress(OSError),
            open(self._state_dir / LOG, "a", encoding="utf-8") as log,
        ):
            if self._logged == 0 and log.tell() != 0:
                log.truncate(0)  # a log for older files
            if log.tell() == 0:
                log.write(json.dumps({"generation": self._generation}) + "\n")
            log.write("".join(line + "\n" for line in lines))

    def _fold(self, names: list[str]) -> None:
        if self.without_entries(names):
            return  # lost with a damaged file: the next commit that renders puts them
        generation = os.urandom(8).hex()
        entries = {name: self._entries[name] for name in names}
        write_cache_file(
            self._state_dir / ENTRIES,
            self._sessions_dir,
            {"generation": generation, "entries": entries},
        )
        records = {name: self._records[name] for name in names}
        payload = {"generation": generation, "records": records, "index": self._index}
        write_cache_file(self._state_dir / FACTS, self._sessions_dir, payload)
        with contextlib.suppress(OSError):  # it extended the old files
            (self._state_dir / LOG).unlink()


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _well_formed(name: object, record: object, entry: list) -> bool:
    return (
        isinstance(name, str)
        and _valid_record(record)
        and len(entry) == 1
        and _valid_entry(entry[0])
        and record[1] == _digest(f"{entry[0][0]}\n{entry[0][1]}")  # type: ignore[index]
    )


def _valid_record(record: object) -> bool:
    """[blob id, entry digest, [[kind, id], …]], all text."""
    return (
        type(record) is list
        and len(record) == 3
        and type(record[0]) is str
        and type(record[1]) is str
        and type(record[2]) is list
        and all(
            type(link) is list and len(link) == 2 and type(link[0]) is str and type(link[1]) is str
            for link in record[2]
        )
    )


def _valid_entry(entry: object) -> bool:
    """[date heading, index line], all text."""
    return type(entry) is list and len(entry) == 2 and all(type(part) is str for part in entry)


def _index_record(value: object) -> list:
    valid = type(value) is list and len(value) == 3 and all(type(part) is str for part in value)
    return value if valid else [None, None, None]  # type: ignore[return-value]
