"""The manifest: what git-sess knows of the search index it wrote (store.py).

`gitsess-manifest.json`, written after each Whoosh commit, names the Whoosh
generation and files (size and mtime: they never change once written), the
table of contents' hash, the document list and how much of its journal holds
committed lines (records.py), and the schema, Whoosh version and code stamp
the index was built with: an index is opened only when all of these match.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from gitsess.core.cache import code_stamp
from gitsess.core.files import write_atomic
from gitsess.search import records
from gitsess.search.backend import SCHEMA_VERSION, whoosh_version

MANIFEST = "gitsess-manifest.json"


@dataclass
class Manifest:
    """What git-sess knows of the index it built, written after each commit."""

    schema: int
    whoosh: str
    code: str  # the package's stamp: new code may derive documents differently
    sessions_dir: str
    generation: int
    files: dict[str, list[int]]  # Whoosh file name -> [size, mtime_ns], for that generation
    toc_sha256: str  # the table of contents: the pickle Whoosh reads first
    fingerprint: str
    built_ns: int
    updated_ns: int
    records: int  # N of the document list and journal
    documents_size: int  # bytes of gitsess-documents-N.tsv
    journal_size: int  # bytes of gitsess-journal-N.tsv that hold committed lines

    @property
    def documents_name(self) -> str:
        return records.list_name(self.records)

    @property
    def journal_name(self) -> str:
        return records.journal_name(self.records)

    @property
    def token(self) -> str:
        """Which write this manifest records: another write (of any writer) gives
        another token, so a caller that remembers one knows whether the index is
        still the one it wrote."""
        return (
            f"{self.generation}:{self.toc_sha256}:{self.built_ns}:{self.updated_ns}"
            f":{self.records}:{self.journal_size}"
        )


def read(path: Path, sessions_dir: str) -> Manifest | None:
    """The manifest of the index at `path`, or None when there is none we can trust."""
    try:
        raw = json.loads((path / MANIFEST).read_bytes())
        manifest = Manifest(**raw)
        files = {str(name): [int(size), int(mtime)] for name, (size, mtime) in raw["files"].items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    manifest.files = files
    if (
        manifest.schema != SCHEMA_VERSION
        or manifest.whoosh != whoosh_version()
        or manifest.code != code_stamp()
        or manifest.sessions_dir != sessions_dir
    ):
        return None
    return manifest


def write(
    path: Path,
    sessions_dir: str,
    fingerprint: str,
    built_ns: int,
    number: int,
    documents_size: int,
    journal_size: int,
) -> None:
    generation = latest_generation(path)
    files = {
        entry.name: [stat.st_size, stat.st_mtime_ns]
        for entry in os.scandir(path)
        if entry.is_file() and _is_whoosh_file(entry.name)
        for stat in [entry.stat()]
    }
    manifest = Manifest(
        schema=SCHEMA_VERSION,
        whoosh=whoosh_version(),
        code=code_stamp(),
        sessions_dir=sessions_dir,
        generation=generation,
        files=files,
        toc_sha256=sha256(path / toc_name(generation)),
        fingerprint=fingerprint,
        built_ns=built_ns,
        updated_ns=time.time_ns(),
        records=number,
        documents_size=documents_size,
        journal_size=journal_size,
    )
    write_atomic(path / MANIFEST, json.dumps(manifest.__dict__, sort_keys=True), durable=False)


_TOC = re.compile(r"_MAIN_(\d+)\.toc")


def latest_generation(path: Path) -> int:
    try:
        names = os.listdir(path)
    except OSError:
        return -1
    return max((int(m.group(1)) for m in map(_TOC.fullmatch, names) if m), default=-1)


def toc_name(generation: int) -> str:
    return f"_MAIN_{generation}.toc"


def sha256(path: Path) -> str:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _is_whoosh_file(name: str) -> bool:
    return not name.startswith("gitsess-") and name != "MAIN_WRITELOCK"
