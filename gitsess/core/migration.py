"""`git sess import`: give hand-written exports a frontmatter, and bring exports
kept elsewhere in the repository into the sessions directory.

Everything is planned and checked before the first write, so a bad file stops
the import with nothing changed; the moves and writes are then journaled
(gitsess.core.journal), so a crash or ^C is finished by the next command. The
body of every file is kept byte for byte: the frontmatter is only put in front
of it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitsess.core.errors import GitSessError
from gitsess.core.files import decode_utf8, read_bytes
from gitsess.core.frontmatter import FrontmatterNotClosed, render_frontmatter, split_frontmatter
from gitsess.core.journal import Move, Write, run_journaled
from gitsess.core.legacy import mentioned_sessions
from gitsess.core.links import resolve_link
from gitsess.core.model import Session, parse_export
from gitsess.core.names import is_export_name, slugify
from gitsess.core.workspace import IndexResult, Workspace, create_layout, write_index


@dataclass
class ImportItem:
    source: str  # relative to the work tree
    target: str  # where it ends up (the same as source unless it is brought in)
    frontmatter: str | None  # the block put in front, None when it already had one
    text: str = field(repr=False, default="")

    @property
    def moved(self) -> bool:
        return self.source != self.target


@dataclass
class ImportResult:
    items: list[ImportItem]
    skipped: list[tuple[str, str]]  # (path, reason)
    suggestions: list[str]  # commands that would add links the text mentions
    index: IndexResult | None = None
    created: list[str] = field(default_factory=list)  # what `init` would have created


def import_exports(workspace: Workspace, paths: list[str], dry_run: bool) -> ImportResult:
    with workspace.write_lock():
        # Bringing exports in may be the first use: plan against an empty directory,
        # and create it only once the plan holds (a refused import changes nothing).
        first_use = bool(paths) and not workspace.sessions_path.exists()
        existing = [] if first_use else workspace.catalog().sessions
        sources = _sources(workspace, paths, existing)
        taken = {session.id for session in existing}
        items: list[ImportItem] = []
        skipped: list[tuple[str, str]] = []
        for source in sources:
            item, reason = _plan(workspace, source, taken)
            if item is None:
                skipped.append((workspace.relative(source), reason))
                continue
            taken.add(Path(item.target).name)
            items.append(item)
        suggestions = _link_suggestions(workspace, items, taken)
        result = ImportResult(items=items, skipped=skipped, suggestions=suggestions)
        if dry_run or not items:
            return result
        if first_use:
            result.created = create_layout(workspace).created
        # Journaled: a crash or ^C from here on is finished by the next command.
        moves = [Move(item.source, item.target) for item in items if item.moved]
        writes = [
            Write(item.target, (item.frontmatter + item.text).encode("utf-8"))
            for item in items
            if item.frontmatter is not None
        ]
        run_journaled(workspace, "import", moves, writes)
        result.index = write_index(workspace, workspace.catalog())
        return result


def _sources(workspace: Workspace, paths: list[str], sessions: list[Session]) -> list[Path]:
    if not paths:
        return [workspace.repo.root / s.path for s in sessions if s.legacy]
    found: list[Path] = []
    for raw in paths:
        path = Path(os.path.abspath(raw))  # not resolve(): a symlink must stay visible
        if not path.exists():
            raise GitSessError(f"{raw}: no such file or directory", "check the path")
        try:
            path.resolve().relative_to(workspace.repo.root.resolve())
        except ValueError:
            raise GitSessError(
                f"{raw} is outside the repository {workspace.repo.root}",
                "copy it into the repository first, then import it",
            ) from None
        if path.is_dir():
            found.extend(sorted(p for p in path.glob("*.md") if is_export_name(p.name)))
        else:
            found.append(path)
    for path in found:
        if path.is_symlink():  # a cloned repository could point it at a private file
            raise GitSessError(
                f"{workspace.relative(path)} is a symbolic link; import reads real files only",
                "replace it with a copy of the file it points to, or leave it out",
            )
    return list(dict.fromkeys(found))


def _plan(workspace: Workspace, source: Path, taken: set[str]) -> tuple[ImportItem | None, str]:
    relative = workspace.relative(source)
    inside = source.parent == workspace.sessions_path
    if not is_export_name(source.name):  # an index, a template, a README …: docs/files.md
        return None, "not a session export"
    data = read_bytes(source)
    text = decode_utf8(data, relative)
    if not text.strip():
        raise GitSessError(f"{relative}: the file is empty", "write the export or delete it")
    try:
        has_frontmatter = split_frontmatter(text) is not None
    except FrontmatterNotClosed:
        raise GitSessError(
            f"{relative}:1: the frontmatter opened on this line is never closed",
            "add a line '---' after the last metadata line, then import again",
        ) from None
    if inside and has_frontmatter:
        return None, "already has frontmatter"
    session = parse_export(relative, data)
    if session.date is None:
        raise GitSessError(
            f"{relative}: no date in the file name and no '**Date**:' line",
            "add a line '**Date**: YYYY-MM-DD' to it, then import again",
        )
    date = session.date
    target_name = source.name if inside else _target_name(source.name, session, date, taken)
    target = f"{workspace.config.sessions_dir}/{target_name}"
    frontmatter = None if has_frontmatter else render_frontmatter(_inferred_metadata(session, date))
    return ImportItem(source=relative, target=target, frontmatter=frontmatter, text=text), ""


def _target_name(name: str, session: Session, date: str, taken: set[str]) -> str:
    if re.fullmatch(r"session_\d{8}_[a-z0-9_]+\.md", name) and name not in taken:
        return name
    stem = f"session_{date.replace('-', '')}_{slugify(session.title)}"
    number = 1
    candidate = f"{stem}.md"
    while candidate in taken:
        number += 1
        candidate = f"{stem}_{number}.md"
    return candidate


def _inferred_metadata(session: Session, date: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "title": session.title,
        "date": dt.date.fromisoformat(date),
        "type": session.type,
        "status": session.status,
        "tags": [],
    }
    if session.summary:
        metadata["summary"] = session.summary
    metadata["prerequisite_sessions"] = []
    metadata["continuation_of"] = None
    if session.tokens is not None:
        metadata["tokens"] = session.tokens
    if session.token_limit is not None:
        metadata["token_limit"] = session.token_limit
    metadata.update(session.extra)
    return metadata


def _link_suggestions(workspace: Workspace, items: list[ImportItem], known: set[str]) -> list[str]:
    """Commands that would link what the text mentions; links are never added silently."""
    suggestions = []
    known_ids = dict.fromkeys(known)
    for item in items:
        own_id = Path(item.target).name
        for mention in mentioned_sessions(item.text):
            target = resolve_link(mention, known_ids, workspace.config.sessions_dir)
            if target is None or target == own_id:
                continue
            kind = "--continues" if _mentions_continuation(item.text, mention) else "--requires"
            suggestions.append(f"git sess update {own_id} {kind} {target}")
    return suggestions


def _mentions_continuation(text: str, mention: str) -> bool:
    for line in text.splitlines():
        if mention.removesuffix(".md") in line and re.search(r"continu", line, re.I):
            return True
    return False
