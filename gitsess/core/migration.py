"""`git sess import`: bring in the session notes people keep by hand.

One command takes a whole collection: files, folders (recursively: subfolders,
a folder per session) and globs. Each note gets a frontmatter read from its text
(legacy.py), its body kept byte for byte. What is not a note (a folder's
README, a hand-kept index, a template) is left where it is; a note that cannot
be read (not UTF-8, no date, …) is listed with the reason and skipped, and the
rest is imported.

Where notes go (docs/files.md, "Importing notes"):
- notes in the sessions directory stay where they are, under their own names;
- notes elsewhere move in with `git mv` (history follows), keeping their folders
  below the folder named, and their file names when those carry a date (or a
  folder does); other names become `session_YYYYMMDD_slug.md`. `rename` gives
  every note that name, in the sessions directory itself.
Every reference to a moved note in the imported notes, in the other notes and in
the files left beside them (a README's links) is rewritten (references.py), so
nothing dangles. The moves and writes are journaled (journal.py): a crash or ^C
leaves each file as it was or fully imported, and the next command finishes.
Links the notes' text asks for are suggested (suggestions.py), added only when
asked (`accept_links`).
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from gitsess.core.errors import GitSessError, warn
from gitsess.core.files import decode_utf8, read_bytes, wide_encoding
from gitsess.core.frontmatter import (
    FrontmatterNotClosed,
    UnreadableYaml,
    body_of,
    edit_frontmatter,
    read_yaml,
    render_frontmatter,
    split_frontmatter,
)
from gitsess.core.gathering import Found, Skipped, Source, find_notes, nothing_here
from gitsess.core.journal import Move, Write, run_journaled
from gitsess.core.model import REQUIRED_KEYS, Session, parse_export
from gitsess.core.names import date_from_name, is_plain_name, slugify
from gitsess.core.references import Rewriter
from gitsess.core.suggestions import NoteText, Suggestion, suggest_links
from gitsess.core.workspace import (
    CURRENT_SESSION,
    IndexResult,
    Workspace,
    create_layout,
    write_index,
)


@dataclass
class ImportItem:
    source: str  # relative to the work tree
    target: str  # where it ends up (the same as source unless it is brought in)
    frontmatter: str | None  # the keys it gets, as shown; None when it has them all
    session: Session = field(repr=False)
    text: str = field(repr=False, default="")  # the file as it is now
    new_text: str = field(repr=False, default="")  # with its frontmatter, before references

    @property
    def moved(self) -> bool:
        return self.source != self.target


@dataclass
class ImportResult:
    items: list[ImportItem]
    skipped: list[Skipped]  # notes that could not be read: the exit status says so
    left: list[tuple[str, str]]  # (path, why): files beside the notes that are not notes
    suggestions: list[Suggestion]
    accepted: bool  # the suggested links were added
    rewritten: list[str] = field(default_factory=list)  # other files whose references moved
    already: int = 0  # notes named that have a frontmatter already: nothing to do
    index: IndexResult | None = None
    created: list[str] = field(default_factory=list)  # what `init` would have created


def import_exports(
    workspace: Workspace,
    paths: list[str],
    *,
    dry_run: bool,
    rename: bool = False,
    accept_links: bool = False,
) -> ImportResult:
    with workspace.write_lock():
        first_use = not workspace.sessions_path.exists()
        if first_use and not paths:
            raise nothing_here(workspace)
        try:
            result, moves, writes = _planned(
                workspace, paths, first_use, rename, catch_up=dry_run or accept_links
            )
            if accept_links:
                _accept(workspace, result.suggestions, writes)
                result.accepted = bool(result.suggestions)
        except KeyboardInterrupt:
            warn("interrupted while reading the notes: nothing was changed")
            raise
        if dry_run or not (result.items or result.accepted):
            return result
        if first_use:
            result.created = create_layout(workspace).created
        journal_moves = [Move(source, target) for source, target in moves.items()]
        index = run_journaled(
            workspace, "import", journal_moves, [Write(p, c) for p, c in writes.items()]
        )
        result.index = index or write_index(workspace, workspace.catalog())
        return result


def _planned(
    workspace: Workspace, paths: list[str], first_use: bool, rename: bool, *, catch_up: bool
) -> tuple[ImportResult, dict[str, str], dict[str, bytes]]:
    """What the import does, read and checked whole before anything is written:
    (what to say, the moves, the final bytes of every file written). `catch_up`:
    with nothing to import, suggest what the notes already here ask for (shown by
    --dry-run, added by --accept-links: after an import, the way to add them)."""
    catalog = None if first_use else workspace.catalog()
    existing = catalog.sessions if catalog else []
    unnamed = catalog.scan.unnamed if catalog else []
    found = find_notes(workspace, paths, existing, unnamed)
    items, skipped, already = _plan(workspace, found.sources, existing, rename)
    moves = {item.source: item.target for item in items if item.moved}
    notes = _note_texts(workspace, items, existing, moves)
    scope = {item.target for item in items}
    if not items and catch_up:
        scope = {note.path for note in notes}
    suggestions = suggest_links(notes, workspace.config.sessions_dir)
    suggestions = [s for s in suggestions if _path_of(workspace, s.source) in scope]
    writes, rewritten = _writes(workspace, items, existing, found, moves)
    result = ImportResult(
        items=items,
        skipped=found.skipped + skipped,
        left=found.left,
        suggestions=suggestions,
        accepted=False,
        rewritten=rewritten,
        already=already,
    )
    return result, moves, writes


# --- planning each note ------------------------------------------------------------------


def _plan(
    workspace: Workspace, sources: list[Source], existing: list[Session], rename: bool
) -> tuple[list[ImportItem], list[Skipped], int]:
    taken = {session.id.lower() for session in existing}
    items: list[ImportItem] = []
    skipped: list[Skipped] = []
    already = 0
    for source in sources:
        try:
            item = _plan_one(workspace, source, rename, taken)
        except GitSessError as exc:
            # The message names the file (and line): `path:4: not valid UTF-8 …`.
            relative = workspace.relative(source.path)
            line = re.match(r":(\d+)", exc.message.removeprefix(relative))
            where = f"{relative}{line.group()}" if line else relative
            reason = exc.message.removeprefix(where).removeprefix(": ")
            skipped.append(Skipped(where, reason, exc.hint or ""))
            continue
        if item is None:
            already += 1
            continue
        taken.add(_id_of(workspace, item.target).lower())
        items.append(item)
    return items, skipped, already


def _plan_one(
    workspace: Workspace, source: Source, rename: bool, taken: set[str]
) -> ImportItem | None:
    relative = workspace.relative(source.path)
    inside = _inside(workspace, source.path)
    data = read_bytes(source.path)
    _refuse_unreadable(relative, data)
    text = decode_utf8(data, relative)
    try:
        block = split_frontmatter(text)
    except FrontmatterNotClosed:
        raise GitSessError(
            f"{relative}:1: the frontmatter opened on this line is never closed",
            "add a line '---' after the last metadata line, then import again",
        ) from None
    missing = _missing_keys(relative, block.yaml) if block else []
    if inside and block and not missing and not rename:
        return None  # already imported: nothing to do
    session_id = _id_of(workspace, relative) if inside else None
    session = parse_export(relative, data, session_id)
    if missing:  # a frontmatter of a few keys (tags, author): the rest read from the text
        session = parse_export(relative, body_of(text).encode("utf-8"), session_id)
    if session.date is None:
        raise GitSessError(
            f"{relative}: no date in the text, the file name or its folder",
            "add a line '**Date**: YYYY-MM-DD' to it, then import it again",
        )
    target = _target(workspace, source, session, session.date, rename, inside)
    if target != relative:
        target = _free(workspace, target, taken)
    if block is None:
        frontmatter = render_frontmatter(_metadata(session, session.date))
        return ImportItem(relative, target, frontmatter, session, text, frontmatter + text)
    added = {
        key: value for key, value in _metadata(session, session.date).items() if key in missing
    }
    shown = render_frontmatter(added) if added else None
    return ImportItem(relative, target, shown, session, text, edit_frontmatter(text, added))


def _missing_keys(relative: str, yaml_text: str) -> list[str]:
    """The required keys a frontmatter lacks (or leaves empty)."""
    try:
        values = read_yaml(yaml_text)
    except UnreadableYaml as exc:
        raise GitSessError(f"{relative}:{exc.line}: {exc.message}", exc.hint) from None
    if not isinstance(values, dict):
        return list(REQUIRED_KEYS)
    return [key for key in REQUIRED_KEYS if values.get(key) in (None, "")]


def _refuse_unreadable(relative: str, data: bytes) -> None:
    """What no note is: empty, UTF-16 or UTF-32 (named, not taken for latin-1), binary."""
    encoding = wide_encoding(data)
    if encoding is not None:
        raise GitSessError(
            f"{relative}: is {encoding} text; notes are read as UTF-8",
            f"convert it: iconv -f {encoding} -t UTF-8 '{relative}' > note.md"
            f" && mv note.md '{relative}'",
        )
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise GitSessError(
            f"{relative}:{line}: holds a NUL byte; a note is text",
            "remove the NUL bytes (tr -d '\\000'), or leave the file out if it is not a note",
        )
    if not data.strip():
        raise GitSessError(f"{relative}: the file is empty", "write the note or delete it")


def _target(
    workspace: Workspace, source: Source, session: Session, date: str, rename: bool, inside: bool
) -> str:
    relative = workspace.relative(source.path)
    sessions_dir = workspace.config.sessions_dir
    named = f"session_{date.replace('-', '')}_{slugify(session.title)}.md"
    if rename:
        return relative if _is_session_name(source.path.name) else f"{sessions_dir}/{named}"
    if inside:  # adopted where it is, unless its name cannot be an id
        folder = posixpath.dirname(relative)
        return relative if is_plain_name(source.path.name) else f"{folder}/{named}"
    below = source.path.relative_to(source.root).as_posix() if source.root else source.path.name
    folders, _, name = below.rpartition("/")
    dated = date_from_name(name) or any(date_from_name(part) for part in folders.split("/"))
    if not dated or not is_plain_name(name):
        name = named
    return f"{sessions_dir}/{folders}/{name}" if folders else f"{sessions_dir}/{name}"


def _is_session_name(name: str) -> bool:
    return re.fullmatch(r"session_\d{8}_[a-z0-9_]+\.md", name) is not None


def _free(workspace: Workspace, target: str, taken: set[str]) -> str:
    """`target`, or with `_2`, `_3` … when a session (or another note of this import)
    has that id; compared without case, as macOS and Windows compare names."""
    stem = target.removesuffix(".md")
    candidate, number = target, 1
    while (
        _id_of(workspace, candidate).lower() in taken or (workspace.repo.root / candidate).exists()
    ):
        number += 1
        candidate = f"{stem}_{number}.md"
    return candidate


def _metadata(session: Session, date: str) -> dict[str, Any]:
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


# --- what is written ---------------------------------------------------------------------


def _writes(
    workspace: Workspace,
    items: list[ImportItem],
    existing: list[Session],
    found: Found,
    moves: dict[str, str],
) -> tuple[dict[str, bytes], list[str]]:
    """Each imported note's new text, and every other file whose references moved."""
    writes: dict[str, bytes] = {}
    rewriter = Rewriter(moves, workspace.config.sessions_dir)
    for item in items:
        text = rewriter.rewrite(item.new_text, item.source, item.target)
        if text != item.text:
            writes[item.target] = text.encode("utf-8")
    if not moves:
        return writes, []
    imported = {item.source for item in items}
    root = workspace.repo.root
    others = [root / s.path for s in existing if s.path not in imported]
    # What is left beside the notes (READMEs, hand-kept indexes, prompts), in every
    # folder a note left, and any other text file in the repository naming one.
    folders = [*found.folders, *(root / posixpath.dirname(source) for source in moves)]
    for folder in dict.fromkeys(folders):
        others += sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink())
    others += _naming_files(workspace, moves)
    rewritten: list[str] = []
    for path in dict.fromkeys(others):
        relative = workspace.relative(path)
        if relative in imported or relative in writes or not _holds_references(workspace, path):
            continue
        try:
            text = read_bytes(path).decode("utf-8")
        except (UnicodeDecodeError, GitSessError):
            continue  # not text this can rewrite; it is left as it is
        new = rewriter.rewrite(text, relative)
        if new != text:
            writes[relative] = new.encode("utf-8")
            rewritten.append(relative)
    return writes, rewritten


def _holds_references(workspace: Workspace, path: Path) -> bool:
    """Text that may link a note; a `.current-session` only in the sessions directory
    (elsewhere it is the claude-sessions commands' own pointer, left to them)."""
    if path.name == CURRENT_SESSION:
        return path.parent == workspace.sessions_path
    return path.suffix.lower() in _TEXT_SUFFIXES and not path.is_symlink()


_TEXT_SUFFIXES = (".md", ".markdown", ".txt")


def _naming_files(workspace: Workspace, moves: dict[str, str]) -> list[Path]:
    """The repository's text files (tracked or not, never ignored ones) that hold the
    name of a moved note: `git grep`, one process for them all."""
    names = {posixpath.basename(source) for source in moves}
    names = {name for name in names if is_plain_name(name)}  # git takes UTF-8 arguments
    names |= {spelling for name in names for spelling in (name.replace(" ", "%20"), quote(name))}
    if not names:
        return []
    patterns = [argument for name in sorted(names) for argument in ("-e", name)]
    globs = [f"*{suffix}" for suffix in _TEXT_SUFFIXES]
    out = workspace.repo.git(
        "grep", "-l", "-z", "-F", "--untracked", "-I", *patterns, "--", *globs, check=False
    )
    root = workspace.repo.root
    return [root / name for name in out.split("\0") if name and (root / name).is_file()]


def _note_texts(
    workspace: Workspace, items: list[ImportItem], existing: list[Session], moves: dict[str, str]
) -> list[NoteText]:
    """Every note as it will be, for the link suggestions (the texts as written)."""
    notes = [
        NoteText(
            id=_id_of(workspace, item.target),
            path=item.target,
            date=item.session.date,
            text=item.text,
            linked={link for _, link in item.session.links},
            continues=item.session.continuation_of,
            former_path=item.source,
        )
        for item in items
    ]
    imported = {item.source for item in items}
    for session in existing:
        if session.path in imported:
            continue
        text = read_bytes(workspace.repo.root / session.path).decode("utf-8", "replace")
        notes.append(
            NoteText(
                id=session.id,
                path=moves.get(session.path, session.path),
                date=session.date,
                text=text,
                linked={link for _, link in session.links},
                continues=session.continuation_of,
            )
        )
    return notes


def _accept(workspace: Workspace, suggestions: list[Suggestion], writes: dict[str, bytes]) -> None:
    """Put the suggested links in the notes' frontmatter (the texts about to be written)."""
    by_source: dict[str, list[Suggestion]] = {}
    for suggestion in suggestions:
        by_source.setdefault(suggestion.source, []).append(suggestion)
    for source, found in by_source.items():
        path = _path_of(workspace, source)
        current = writes.get(path) or read_bytes(workspace.repo.root / path)
        text = current.decode("utf-8")
        session = parse_export(path, current, source)
        changes: dict[str, Any] = {}
        requires = [s.target for s in found if s.kind == "requires"]
        if requires:
            changes["prerequisite_sessions"] = [*session.prerequisite_sessions, *requires]
        continues = next((s.target for s in found if s.kind == "continues"), None)
        if continues:
            changes["continuation_of"] = continues
        writes[path] = edit_frontmatter(text, changes).encode("utf-8")


def _inside(workspace: Workspace, path: Path) -> bool:
    return path.is_relative_to(workspace.sessions_path)


def _id_of(workspace: Workspace, relative: str) -> str:
    return relative.removeprefix(workspace.config.sessions_dir.rstrip("/") + "/")


def _path_of(workspace: Workspace, session_id: str) -> str:
    return f"{workspace.config.sessions_dir.rstrip('/')}/{session_id}"
