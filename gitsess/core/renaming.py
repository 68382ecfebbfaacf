"""`git sess mv`: a session under a new title, and every link to it following.

A session's id is its file name (date and slug), and other sessions link to
it by that id. Renaming it by hand leaves those links dangling; here the file
moves with `git mv` semantics (only the move is staged, so `git log --follow`
finds the history and any uncommitted edit stays in the work tree), the
links in other sessions' frontmatter are rewritten in the form they were
written in (each where it stands: a block list stays one, quoting and
comments stay), and, when asked, so are mentions in their bodies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from gitsess.core.catalog import Catalog
from gitsess.core.errors import GitSessError, ValidationFailed
from gitsess.core.files import decode_utf8, read_bytes, write_atomic
from gitsess.core.frontmatter import body_of, edit_frontmatter
from gitsess.core.links import resolve_link
from gitsess.core.model import Session
from gitsess.core.names import slugify
from gitsess.core.workspace import Workspace, check_index_readable, write_index


@dataclass
class Renamed:
    old: Path
    new: Path
    links_rewritten: list[Path] = field(default_factory=list)  # frontmatter links
    text_rewritten: list[Path] = field(default_factory=list)  # mentions in bodies (--text)
    mentioned_in: list[Path] = field(default_factory=list)  # mentions left (no --text)


def rename_session(workspace: Workspace, ref: str, title: str, *, text: bool) -> Renamed:
    """Give the session `title`, move it to the id that title makes (same date),
    and point every link (and with `text`, every mention) at the new id."""
    with workspace.write_lock():
        catalog = workspace.catalog()
        session, date = _renamable(workspace.find(catalog, ref))
        title = " ".join(title.split())
        new_id = _new_id(date, title)
        old_path = workspace.repo.root / session.path
        new_path = workspace.sessions_path / new_id
        if new_id != session.id and (new_id in catalog.by_id or new_path.exists()):
            raise ValidationFailed(
                f"{workspace.relative(new_path)} already exists",
                "choose another title, or rename that session first",
            )
        check_index_readable(workspace)
        rewrites = {session.id: _retitled(workspace, session, title)}
        result = Renamed(old=old_path, new=new_path)
        if new_id != session.id:
            _plan_references(workspace, catalog, session, new_id, text, rewrites, result)
            workspace.repo.move(old_path, new_path)
        for session_id, updated in rewrites.items():
            target = new_path if session_id == session.id else workspace.sessions_path / session_id
            write_atomic(target, updated)
        write_index(workspace, workspace.catalog())
        return result


def _renamable(session: Session) -> tuple[Session, str]:
    """The session and the date it is named by, or why it cannot be renamed."""
    blocking = [problem for problem in session.problems if problem.blocking]
    if blocking:
        raise GitSessError(f"{blocking[0].location}: {blocking[0].message}", blocking[0].hint)
    if session.legacy or not session.date:
        raise GitSessError(
            f"{session.path} has no frontmatter with a date to name it by",
            f"give it one first: git sess import {session.path}",
        )
    return session, session.date


def _new_id(date: str, title: str) -> str:
    slug = slugify(title)
    if not slug:
        raise GitSessError(
            f"the title {title!r} has no letters or digits to name a file by",
            'give a title with words in it: git sess mv ID "What this session does"',
        )
    return f"session_{date.replace('-', '')}_{slug}.md"


def _retitled(workspace: Workspace, session: Session, title: str) -> str:
    """The session's own text with the new title, in the frontmatter and in a
    `# Session: <title>` (or `# <title>`) heading."""
    text = _read(workspace, session)
    head, body = _split_body(edit_frontmatter(text, {"title": title}))
    heading = re.compile(rf"^# (Session: )?{re.escape(session.title)}[ \t]*$", re.M)
    return head + heading.sub(lambda m: f"# {m.group(1) or ''}{title}", body, count=1)


def _plan_references(
    workspace: Workspace,
    catalog: Catalog,
    session: Session,
    new_id: str,
    text: bool,
    rewrites: dict[str, str],
    result: Renamed,
) -> None:
    """The new text of every other session that links to or mentions this one."""
    sessions_dir = workspace.config.sessions_dir
    mention = _mention_pattern(session.id)

    def points_here(raw: str) -> bool:
        return resolve_link(raw, catalog.by_id, sessions_dir) == session.id

    for other in catalog.sessions:
        if other.id == session.id:
            continue

        changes: dict[str, object] = {}
        if other.continuation_of and points_here(other.continuation_of):
            changes["continuation_of"] = _same_form(other.continuation_of, new_id)
        requires = [
            _same_form(raw, new_id) if points_here(raw) else raw
            for raw in other.prerequisite_sessions
        ]
        if requires != other.prerequisite_sessions:
            changes["prerequisite_sessions"] = requires
        original = _read(workspace, other)  # mentions are looked for in every body
        # Each link is rewritten where it is written: quoting, comments and a block
        # list's layout stay.
        updated = edit_frontmatter(original, changes) if changes else original
        path = workspace.repo.root / other.path
        if changes:
            result.links_rewritten.append(path)
        head, body = _split_body(updated)
        if mention.search(body):
            if text:
                updated = head + mention.sub(new_id.removesuffix(".md"), body)
                result.text_rewritten.append(path)
            else:
                result.mentioned_in.append(path)
        if updated != original:
            rewrites[other.id] = updated


def _split_body(text: str) -> tuple[str, str]:
    """(frontmatter with its delimiters, body)."""
    body = body_of(text)
    return text[: len(text) - len(body)], body


def _mention_pattern(session_id: str) -> re.Pattern[str]:
    """The id with or without `.md`, not as the start of a longer id (`x` in `x_2`)."""
    stem = re.escape(session_id.removesuffix(".md"))
    return re.compile(rf"(?<![\w-]){stem}(?![\w-])")


def _same_form(raw: str, new_id: str) -> str:
    """`new_id` written as `raw` was: with or without `.md`, with its directory prefix."""
    prefix = raw.strip()[: raw.strip().rfind("/") + 1]
    written = new_id if raw.strip().endswith(".md") else new_id.removesuffix(".md")
    return prefix + written


def _read(workspace: Workspace, session: Session) -> str:
    return decode_utf8(read_bytes(workspace.repo.root / session.path), session.path)
