"""What a commit needs of each staged export, remembered by git blob id.

A commit of one export out of 30,000 must cost what one export costs. What
the index and the link checks need of an export, its index entry and its link
targets, is a function of its name and blob id, so it is kept per (name, blob
id) in one SQLite file in the state directory (`hook-facts.sqlite`, WAL), read
and written per key, never loaded whole on the way of a commit:

- `facts`: per (name, blob id) the index entry (date heading, line), a digest
  of it, and the link targets; `links` holds the same targets one row each,
  folded to lower case, so "who links to X" is one indexed query.
- `mirror`: the exports of the sessions tree the last checked commit staged
  (name -> blob id), with a tree holding only that sessions tree (`root`, for
  `git diff-index`), its index's blob id, project name, and the names that are
  not UTF-8. What is staged now is the mirror plus what `git diff-index
  --cached ROOT` reports: nothing is listed whole, and the index is the
  mirror's index patched where the entries differ (staged.py, commits.py).

It is a cache: a file SQLite cannot read, from another version of git-sess or
for another sessions directory is removed and built again from git; a row
whose entry is not the one its digest names, or whose links are not a list
of pairs, is not used and its export is read from git again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from gitsess.core.cache import code_stamp
from gitsess.core.index import Entry, entry_of
from gitsess.core.links import normalize_link
from gitsess.core.model import Session

FILE = "hook-facts.sqlite"
SCHEMA = 2
_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE facts (
    name TEXT NOT NULL, oid TEXT NOT NULL, digest TEXT NOT NULL,
    date TEXT NOT NULL, line TEXT NOT NULL, links TEXT NOT NULL,
    PRIMARY KEY (name, oid)
) WITHOUT ROWID;
CREATE INDEX facts_by_date ON facts (date);
CREATE TABLE links (
    name TEXT NOT NULL, oid TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
    folded TEXT NOT NULL
);
CREATE INDEX links_by_target ON links (folded);
CREATE INDEX links_by_source ON links (name, oid);
CREATE TABLE mirror (
    name TEXT PRIMARY KEY, oid TEXT NOT NULL, folded TEXT NOT NULL, date TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX mirror_by_folded ON mirror (folded);
CREATE INDEX mirror_by_date ON mirror (date);
"""


class Fact(NamedTuple):
    digest: str
    date: str
    line: str
    links: list[list[str]]  # [kind, id] for each safe link


class Mirror(NamedTuple):
    """The sessions tree the last checked commit staged."""

    tree: str  # that sessions tree
    root: str  # a tree holding only it, where it is in the repository
    index_oid: str  # the blob id of its session index, rendered from its exports
    project: str
    not_utf8: list[str]  # staged export names that are not plain (left out, warned of)


class BlobFacts:
    """The facts of staged exports by (name, blob id), and the mirror."""

    def __init__(self, state_dir: Path, sessions_dir: str) -> None:
        self._sessions_dir = sessions_dir
        self._db = _open(state_dir / FILE, f"{SCHEMA}:{sessions_dir}:{code_stamp()}")
        self._facts: dict[tuple[str, str], Fact | None] = {}
        self._all_loaded = False
        self._mirrored: dict[str, str | None] = {}
        self._learner: Callable[[list[str]], None] | None = None
        self._dirty = False

    # --- facts ----------------------------------------------------------------------

    def learn_with(self, learner: Callable[[list[str]], None]) -> None:
        """How to learn the facts of staged exports found missing or damaged later."""
        self._learner = learner

    def fact(self, name: str, oid: str) -> Fact | None:
        key = (name, oid)
        if key not in self._facts:
            if self._all_loaded:
                return None
            row = self._query(
                "SELECT digest, date, line, links FROM facts WHERE name = ? AND oid = ?", key
            )
            self._facts[key] = _fact(*row[0]) if row else None
        return self._facts[key]

    def load_all(self) -> None:
        """Every stored fact at once (a commit that looks at all exports)."""
        if self._all_loaded:
            return
        for name, oid, *row in self._query(
            "SELECT name, oid, digest, date, line, links FROM facts"
        ):
            self._facts.setdefault((name, oid), _fact(*row))
        self._all_loaded = True

    def missing(self, oids: Mapping[str, str], names: Iterable[str] | None = None) -> list[str]:
        """Of `names` (default: all of `oids`), those whose facts are not known for
        their blob id, or are damaged."""
        wanted = list(oids) if names is None else list(names)
        if names is None and len(wanted) > 50:
            self.load_all()
        return [name for name in wanted if self.fact(name, oids[name]) is None]

    def _known(self, name: str, oid: str) -> Fact:
        found = self.fact(name, oid)
        if found is None and self._learner is not None:
            self._learner([name])
            found = self.fact(name, oid)
        if found is None:
            raise KeyError(name)
        return found

    def links(self, name: str, oid: str) -> list[list[str]]:
        """[kind, id] for each safe link of the export."""
        return self._known(name, oid).links

    def entry(self, name: str, oid: str) -> Entry:
        fact = self._known(name, oid)
        return (fact.date, name, fact.line)

    def put(self, name: str, oid: str, session: Session) -> None:
        links = [
            [kind, target]
            for kind, raw in session.links
            if (target := normalize_link(raw, self._sessions_dir)) is not None
        ]
        date, _, line = entry_of(session, self._sessions_dir)
        fact = Fact(_digest(f"{date}\n{line}"), date, line, links)
        if self._facts.get((name, oid)) == fact:
            return
        self._facts[(name, oid)] = fact
        with contextlib.suppress(sqlite3.Error, UnicodeEncodeError):
            self._db.execute("DELETE FROM links WHERE name = ? AND oid = ?", (name, oid))
            self._db.execute(
                "INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?, ?, ?)",
                (name, oid, fact.digest, date, line, json.dumps(links, ensure_ascii=False)),
            )
            self._db.executemany(
                "INSERT INTO links VALUES (?, ?, ?, ?, ?)",
                [(name, oid, kind, target, target.lower()) for kind, target in links],
            )
            self._dirty = True

    def entries(self, oids: Mapping[str, str]) -> list[Entry]:
        """The index entries of these exports (an export's id is its file name)."""
        if len(oids) > 50:
            self.load_all()
        return [self.entry(name, oid) for name, oid in oids.items()]

    def without_entries(self, oids: Mapping[str, str]) -> list[str]:
        return self.missing(oids)

    # --- the mirror -----------------------------------------------------------------

    def mirror(self) -> Mirror | None:
        rows = self._query("SELECT value FROM meta WHERE key = 'mirror'")
        try:
            tree, root, index, project, not_utf8 = json.loads(rows[0][0])
        except (IndexError, ValueError, TypeError):
            return None
        if not all(isinstance(value, str) for value in (tree, root, index, project)):
            return None
        if not (isinstance(not_utf8, list) and all(isinstance(n, str) for n in not_utf8)):
            return None
        return Mirror(tree, root, index, project, not_utf8)

    def mirrored(self, name: str) -> str | None:
        """The blob id the mirror has for this export, or None."""
        if name not in self._mirrored:
            row = self._query("SELECT oid FROM mirror WHERE name = ?", (name,))
            self._mirrored[name] = row[0][0] if row else None
        return self._mirrored[name]

    def mirror_listing(self) -> dict[str, str]:
        return dict(self._query("SELECT name, oid FROM mirror"))

    def mirrored_same_but_case(self, folded: str) -> list[str]:
        return [
            row[0] for row in self._query("SELECT name FROM mirror WHERE folded = ?", (folded,))
        ]

    def mirrored_links_to(self, folded: str) -> list[tuple[str, str, str]]:
        """(source, kind, target) of every link in the mirror's exports whose target
        is `folded` but for case."""
        return self._query(
            "SELECT l.name, l.kind, l.target FROM links l JOIN mirror m"
            " ON m.name = l.name AND m.oid = l.oid WHERE l.folded = ?",
            (folded,),
        )

    def mirrored_group(self, date: str) -> list[tuple[str, str]] | None:
        """(name, line) of the mirror's exports under this date heading; None when
        the fact of one of them is missing or damaged (the caller renders it all)."""
        rows = self._query(
            "SELECT m.name, f.digest, f.date, f.line FROM mirror m LEFT JOIN facts f"
            " ON f.name = m.name AND f.oid = m.oid WHERE m.date = ?",
            (date,),
        )
        for _, digest, dated, line in rows:
            if dated != date or not isinstance(line, str) or digest != _digest(f"{date}\n{line}"):
                return None
        return [(name, line) for name, _, _, line in rows]

    def save_mirror(
        self,
        mirror: Mirror,
        changes: Mapping[str, str | None] | None,
        listing: Mapping[str, str] | None,
    ) -> None:
        """The staged sessions tree is now `mirror`, with these exports: the
        mirror's with `changes` (name -> blob id, None: gone), or `listing` whole."""
        try:
            if listing is not None:
                self._db.execute("DELETE FROM mirror")
                rows = [
                    (name, oid, name.lower(), self._date(name, oid))
                    for name, oid in listing.items()
                ]
                self._db.executemany("INSERT INTO mirror VALUES (?, ?, ?, ?)", rows)
                self._prune()
            else:
                for name, oid in (changes or {}).items():
                    if oid is None:
                        self._db.execute("DELETE FROM mirror WHERE name = ?", (name,))
                    else:
                        self._db.execute(
                            "INSERT OR REPLACE INTO mirror VALUES (?, ?, ?, ?)",
                            (name, oid, name.lower(), self._date(name, oid)),
                        )
            value = json.dumps(list(mirror))  # ASCII: a name that is not UTF-8 is escaped
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('mirror', ?)", (value,))
            self._dirty = True
        except (sqlite3.Error, UnicodeEncodeError, KeyError):
            self.forget_mirror()

    def _date(self, name: str, oid: str) -> str:
        fact = self.fact(name, oid)
        if fact is None:
            raise KeyError(name)
        return fact.date

    def forget_mirror(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("DELETE FROM meta WHERE key = 'mirror'")
            self._dirty = True

    def work_tree_copy(self) -> list:
        """[signature, blob id, written_ns] of the work tree's index file, as last written."""
        rows = self._query("SELECT value FROM meta WHERE key = 'worktree'")
        with contextlib.suppress(IndexError, ValueError, TypeError):
            value = json.loads(rows[0][0])
            if type(value) is list and len(value) == 3:
                return value
        return [None, None, 0]

    def put_work_tree_copy(self, signature: str | None, oid: str, written_ns: int) -> None:
        with contextlib.suppress(sqlite3.Error):
            value = json.dumps([signature, oid, written_ns])
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('worktree', ?)", (value,))
            self._dirty = True

    def _prune(self) -> None:
        """Facts of blobs the mirror no longer holds, once they outnumber it."""
        (count,) = self._db.execute("SELECT count(*) FROM facts").fetchone()
        (mirrored,) = self._db.execute("SELECT count(*) FROM mirror").fetchone()
        if count > 2 * mirrored + 1000:
            unused = (
                "NOT EXISTS (SELECT 1 FROM mirror m WHERE m.name = {0}.name AND m.oid = {0}.oid)"
            )
            self._db.execute(f"DELETE FROM facts WHERE {unused.format('facts')}")
            self._db.execute(f"DELETE FROM links WHERE {unused.format('links')}")

    # --- the file ---------------------------------------------------------------------

    def save(self, names: Iterable[str] = ()) -> None:
        """Write what was learned (`names` is kept for the callers of the JSON files)."""
        if self._dirty:
            with contextlib.suppress(sqlite3.Error):
                self._db.commit()
            self._dirty = False

    def _query(self, sql: str, args: tuple = ()) -> list:
        try:
            return self._db.execute(sql, args).fetchall()
        except (sqlite3.Error, UnicodeEncodeError):
            return []


def _open(path: Path, key: str) -> sqlite3.Connection:
    """The store, made again when it is unreadable or was written for another key."""
    for attempt in (0, 1):
        db = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=10.0)
            db.execute("PRAGMA synchronous = NORMAL")
            try:
                found = db.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()
            except sqlite3.OperationalError as error:
                if "no such table" not in str(error):
                    raise
                found = None  # a new file
            if found is None or found[0] != key:
                _create(db, key)
            return db
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                break  # another process holds it: this commit works without it
            if attempt == 0:
                _discard(db, path)
        except (sqlite3.Error, OSError):
            if attempt == 0:
                _discard(db, path)
    db = sqlite3.connect(":memory:")  # a state directory that cannot be written
    _create(db, key)
    return db


def _create(db: sqlite3.Connection, key: str) -> None:
    db.execute("PRAGMA journal_mode = WAL")
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        db.execute(f'DROP TABLE "{table}"')
    db.executescript(_TABLES)
    db.execute("INSERT INTO meta VALUES ('key', ?)", (key,))
    db.commit()


def _discard(db: sqlite3.Connection | None, path: Path) -> None:
    if db is not None:
        with contextlib.suppress(sqlite3.Error):
            db.close()
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.unlink(f"{path}{suffix}")


def _fact(digest: object, date: object, line: object, links: object) -> Fact | None:
    """A stored row, or None when it is not what put wrote."""
    if not (isinstance(digest, str) and isinstance(date, str) and isinstance(line, str)):
        return None
    if digest != _digest(f"{date}\n{line}") or not isinstance(links, str):
        return None
    try:
        parsed = json.loads(links)
    except ValueError:
        return None
    if not (
        type(parsed) is list
        and all(
            type(link) is list and len(link) == 2 and all(type(part) is str for part in link)
            for link in parsed
        )
    ):
        return None
    return Fact(digest, date, line, parsed)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]
