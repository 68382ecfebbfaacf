"""What each document in the index was indexed from: key -> content hash.

A list written whole by a build, `gitsess-documents-N.tsv`, and a journal
beside it, `gitsess-journal-N.tsv`, to which each update appends one line per
document it wrote or deleted (an empty hash), so an edit writes a few bytes
whatever the corpus size. The manifest (store.py) names N and records the
list's size and how many bytes of the journal it vouches for: bytes past that
(a writer killed before its manifest) are never read and are cut off by the
next append. When the journal outgrows half the list, an update writes a new
list under the next N, then the manifest, then removes the old pair.

Also here: the documents a file-system watcher's names stand for, read and
hashed alone (`named_changes`), for `SearchIndex.sync_paths`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gitsess.core.model import parse_export
from gitsess.core.names import is_export_name
from gitsess.core.workspace import CHECKPOINTS_DIR, Workspace
from gitsess.search.documents import document, indexed_part

PREFIXES = ("gitsess-documents-", "gitsess-journal-")


def list_name(number: int) -> str:
    return f"gitsess-documents-{number}.tsv"


def journal_name(number: int) -> str:
    return f"gitsess-journal-{number}.tsv"


def merged(listed: bytes, journal: bytes) -> dict[str, str]:
    """The list with the journal's lines applied in order."""
    documents = _rows(listed)
    apply(documents, journal)
    return documents


def apply(documents: dict[str, str], journal: bytes) -> None:
    """Journal lines applied to `documents`, in order."""
    for key, digest in _rows(journal).items():
        if digest:
            documents[key] = digest
        else:
            documents.pop(key, None)  # deleted


def lines(written: dict[str, str], deleted: list[str]) -> bytes:
    rows = [f"{key}\t{digest}\n" for key, digest in written.items()]
    rows += [f"{key}\t\n" for key in deleted]
    return "".join(rows).encode("utf-8", errors="surrogateescape")


def whole_list(digests: dict[str, str]) -> bytes:
    rows = "".join(f"{key}\t{digest}\n" for key, digest in sorted(digests.items()))
    return rows.encode("utf-8", errors="surrogateescape")


def append(journal: Path, committed: int, data: bytes) -> None:
    """`data` after the first `committed` bytes of `journal` (anything past them
    was written by a writer killed before its manifest)."""
    with open(journal, "ab") as file:
        if file.tell() != committed:
            file.truncate(committed)
            file.seek(committed)
        file.write(data)


def remove_others(path: Path, keep: str) -> None:
    """Every list and journal in `path` but `keep`."""
    for entry in os.scandir(path):
        if entry.name.startswith(PREFIXES) and entry.name != keep:
            with contextlib.suppress(FileNotFoundError):
                os.remove(entry.path)


def size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


Changes = tuple[dict[str, str], list[dict[str, Any]], list[str]]  # written, documents, deleted


def named_changes(
    workspace: Workspace, indexed: dict[str, str], names: Iterable[str]
) -> Changes | None:
    """The documents at `names` that changed since they were indexed: edits and
    deletions of indexed documents; names neither indexed nor present, and names
    the catalog never lists (an editor's temporary files), are skipped. None for
    anything else (a file the index does not hold, one that is no longer a plain
    file, one unreadable): only a scan of the directory can tell what it is."""
    sessions_path = workspace.sessions_path
    written: dict[str, str] = {}
    documents: list[dict[str, Any]] = []
    deleted: list[str] = []
    for key in dict.fromkeys(names):
        if key not in indexed and not _may_be_document(key):
            continue  # an editor's file, session_index.md, a README: never listed
        try:
            info = os.lstat(sessions_path / key)
        except FileNotFoundError:
            if key in indexed:
                deleted.append(key)
            continue
        except OSError:
            return None
        if key not in indexed or not stat.S_ISREG(info.st_mode):
            return None
        try:
            data = (sessions_path / key).read_bytes()
        except OSError:
            return None
        digest = hashlib.sha1(data).hexdigest()  # as the catalog hashes
        if digest == indexed[key]:
            continue
        folder, _, rest = key.partition("/")
        checkpoint = folder == CHECKPOINTS_DIR and bool(rest)
        name = rest if checkpoint else key
        directory = workspace.config.sessions_dir
        if checkpoint:
            directory = f"{directory}/{CHECKPOINTS_DIR}"
        session = parse_export(f"{directory}/{name}", data, session_id=name)
        written[key] = digest
        documents.append(document(key, session, indexed_part(data)))
    return written, documents, deleted


def _may_be_document(key: str) -> bool:
    """Whether the catalog could list `key` (catalog.py: `.md` files, of export names
    in the sessions directory; checkpoints in their folder)."""
    folder, _, rest = key.partition("/")
    if folder == CHECKPOINTS_DIR and rest:
        return rest.endswith(".md")
    return is_export_name(key)


def _rows(data: bytes) -> dict[str, str]:
    """key -> hash of "key\thash\n" lines; an empty hash marks a deletion."""
    text = data.decode("utf-8", errors="surrogateescape")
    rows = (line.split("\t") for line in text.split("\n") if line)
    return {row[0]: row[1] for row in rows if len(row) == 2}
