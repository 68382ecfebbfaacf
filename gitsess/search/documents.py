"""What the index must hold: the exports and checkpoints as documents.

A document's key is its path inside the sessions directory (`name.md` or
`checkpoints/name.md`), so an export and a checkpoint never collide. The text
searched is the summary and the body without frontmatter, template guidance
and bare markdown markers; snippets are cut from the same text.

Bounded work per export: only the first INDEXED_BYTES (1 MiB) of a file are
read, indexed and quoted, so one pasted 50 MB transcript costs what a 1 MB
export does (Whoosh's analysis of every word is the cost: 13 s and 340 MB of
a reindex of 1,000 exports went to one 50 MB file). Words past the cap are
not found; `check` warns of exports over sess.maxExportSize long before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitsess.core.catalog import Catalog
from gitsess.core.errors import GitSessError
from gitsess.core.files import read_bytes
from gitsess.core.frontmatter import body_of
from gitsess.core.model import Session, parse_export
from gitsess.core.names import time_from_name
from gitsess.core.workspace import CHECKPOINTS_DIR, Workspace


@dataclass
class Corpus:
    """The exports and checkpoints as they are now: document key -> content hash."""

    digests: dict[str, str]
    fingerprint: str
    catalogs: dict[str, Catalog]  # key prefix -> catalog

    def session(self, key: str, sessions_path: Path) -> tuple[Session, bytes]:
        # Checkpoints are keyed `checkpoints/name`; sessions by their id, which may
        # hold folders of its own (`archive/x.md`).
        folder, _, rest = key.partition("/")
        prefix, name = (folder, rest) if folder == CHECKPOINTS_DIR and rest else ("", key)
        catalog = self.catalogs[prefix]
        data = read_indexed(sessions_path / key)
        parsed = catalog.scan.parsed.get(name)
        if parsed is None:  # rare: the catalog kept no parse; the metadata needs the whole file
            whole = read_bytes(sessions_path / key)
            parsed = parse_export(f"{catalog.sessions_dir}/{name}", whole, session_id=name)
        return parsed, data


def corpus(workspace: Workspace) -> Corpus:
    catalogs = {"": workspace.catalog(), CHECKPOINTS_DIR: workspace.checkpoint_catalog()}
    digests = {
        f"{prefix}/{name}" if prefix else name: digest
        for prefix, catalog in catalogs.items()
        for name, digest in catalog.scan.hashes.items()
    }
    fingerprint = "+".join(catalog.fingerprint for catalog in catalogs.values())
    return Corpus(digests=digests, fingerprint=fingerprint, catalogs=catalogs)


def differences(indexed: dict[str, str], corpus: Corpus) -> tuple[list[str], list[str]]:
    """(documents new or changed since they were indexed, documents deleted)"""
    changed = [key for key, digest in corpus.digests.items() if indexed.get(key) != digest]
    deleted = [key for key in indexed if key not in corpus.digests]
    return changed, deleted


def document(key: str, session: Session, data: bytes) -> dict[str, Any]:
    """The fields of one document (the schema is the backend's)."""
    is_checkpoint = key.startswith(CHECKPOINTS_DIR + "/") or session.type == "checkpoint"
    return {
        "key": key,
        "id": session.id,
        "title": session.title,
        "tags": ",".join(session.tags),
        "body": searched_text(session.summary, data),
        "summary": session.summary or "",
        "status": session.status,
        "type": session.type,
        "kind": "checkpoint" if is_checkpoint else "export",
        "date": session.date or "",
        # Of one day's documents, those whose names hold a time (checkpoints) in
        # the order they were written.
        "moment": (session.date or "") + (time_from_name(key) or ""),
        "path": session.path,
    }


def read_indexed(path: Path) -> bytes:
    """The part of the file at `path` that is indexed and quoted (`indexed_part`),
    without reading the rest."""
    try:
        with path.open("rb") as file:
            return indexed_part(file.read(INDEXED_BYTES + 1))
    except OSError as exc:
        raise GitSessError(
            f"cannot read {path}: {exc.strerror or exc}",
            "check that the file exists and is readable",
        ) from exc


def indexed_part(data: bytes) -> bytes:
    """The first INDEXED_BYTES of `data`, ended at the last white space before the
    cap: a word cut in two would be indexed as a word nobody wrote (and a UTF-8
    character cut in two as U+FFFD). A file with no white space near the cap is
    cut at the cap itself."""
    if len(data) <= INDEXED_BYTES:
        return data
    head = data[:INDEXED_BYTES]
    space = max(head.rfind(byte) for byte in (b" ", b"\n", b"\t", b"\r"))
    return head[:space] if space >= INDEXED_BYTES - _WORD_REACH else head


def searched_text(summary: str | None, data: bytes) -> str:
    """The body field: the summary, then the text. Snippets are cut from the same.
    `data` is the indexed part of the file; a summary is capped alike."""
    return "\n".join(filter(None, [(summary or "")[:INDEXED_BYTES], body_text(data)]))


def body_text(data: bytes) -> str:
    """The text searched and quoted: the file without its frontmatter, template
    guidance (HTML comments) and bare markdown markers, which every export
    shares and which would only add noise to scores and snippets. Undecodable
    bytes become U+FFFD, so a file that is partly not UTF-8 is still found."""
    return _MARKERS.sub("", _COMMENT.sub(" ", _decoded_body(data)))


def first_prose(data: bytes) -> str:
    """The first line of the body that a person wrote: not a heading, a bare
    list marker or template guidance."""
    body = _COMMENT.sub(" ", _decoded_body(data))
    for line in body.splitlines():
        words = line.strip().lstrip("-*+").strip()
        if words and not line.lstrip().startswith("#") and not re.fullmatch(r"\d+\.", words):
            return words
    return ""


def _decoded_body(data: bytes) -> str:
    return body_of(data.decode("utf-8", errors="replace"))


INDEXED_BYTES = 1024 * 1024  # of each file: what the index holds (docs/search.md)
_WORD_REACH = 4096  # how far back from the cap a word may start and still be cut off

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
# The `# Session: Title` line repeats the title field; other headings (and
# comments in code blocks) keep their words, without the marker.
_MARKERS = re.compile(
    r"^[ \t]*(?:#[ \t]+Session(?:[ \t]+Log)?[ \t]*:.*|#{1,6}[ \t]+|(?:[-*+]|\d+\.)[ \t]*$)",
    re.M,
)
