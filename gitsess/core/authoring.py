"""Writing exports: `new` from a template, `update` of metadata in place."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitsess.core import clock
from gitsess.core.catalog import Catalog
from gitsess.core.config import TYPES, tag_problem, vocabulary_problem
from gitsess.core.errors import GitSessError, SessionNotFound, ValidationFailed
from gitsess.core.files import create_exclusive, decode_utf8, read_bytes, write_atomic
from gitsess.core.frontmatter import body_of, edit_frontmatter, render_frontmatter
from gitsess.core.links import (
    continuation_changes,
    find_cycles,
    format_cycle,
    link_problems,
    normalize_link,
    refuse_continuing_later,
    resolve_link,
)
from gitsess.core.model import Session, parse_export
from gitsess.core.names import parse_date, slugify
from gitsess.core.renaming import (
    Renamed,
    new_session_id,
    plan_rename,
    rename_locked,
    retitled_heading,
)
from gitsess.core.templates import fill_sections, session_template_name, session_values
from gitsess.core.workspace import Workspace, check_index_readable, write_index

MAX_CLASH_SUFFIX = 1000


@dataclass(frozen=True)
class NewSession:
    title: str | None
    type: str = "feature"
    status: str = "in-progress"
    tags: Sequence[str] = ()
    requires: Sequence[str] = ()
    continues: str | None = None
    summary: str | None = None
    date: str | None = None  # ISO; today when None
    tokens: int | None = None
    token_limit: int | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)  # more frontmatter keys
    sections: Mapping[str, list[str]] = field(default_factory=dict)  # body drafts


def create_session(workspace: Workspace, request: NewSession) -> Path:
    """Write a new export; links are checked before anything is written."""
    with workspace.write_lock():
        catalog = workspace.catalog()
        title = " ".join((request.title or "").split())
        if not title:
            raise GitSessError(
                "the title is empty", 'give one: git sess new "What this session does"'
            )
        _check_vocabulary(workspace, "type", request.type)
        _check_vocabulary(workspace, "status", request.status)
        _check_tags(request.tags)
        date = _date_option(request.date)
        requires = [_existing_link(workspace, catalog, raw) for raw in request.requires]
        continues = (
            _existing_link(workspace, catalog, request.continues) if request.continues else None
        )
        if continues:
            fix = f"give --date {catalog.by_id[continues].date} or later"
            refuse_continuing_later("the new session", date, catalog.by_id[continues], fix)
        metadata: dict[str, Any] = {
            "title": title,
            "date": dt.date.fromisoformat(date),
            "type": request.type,
            "status": request.status,
            "tags": _unique(request.tags),
        }
        if request.summary:
            metadata["summary"] = " ".join(request.summary.split())
        metadata["prerequisite_sessions"] = _unique(requires)
        metadata["continuation_of"] = continues
        metadata.update(request.facts)
        if request.tokens is not None:
            metadata["tokens"] = request.tokens
            metadata["token_limit"] = request.token_limit or workspace.config.context_window
        body = workspace.template(
            _template_for(workspace, request.type),
            session_values(
                title=title,
                date=date,
                type=request.type,
                status=request.status,
                tags=", ".join(metadata["tags"]),
                summary=metadata.get("summary", ""),
                continues=continues or "",
                requires=", ".join(requires),
                project=workspace.repo.root.name,
            ),
            body_only=True,
        )
        text = render_frontmatter(metadata) + fill_sections(body, request.sections)
        check_index_readable(workspace)  # fail before the export exists, not after
        path = _claim_path(workspace, catalog, date, slugify(title), text)
        write_index(workspace, workspace.catalog())
        return path


def _claim_path(workspace: Workspace, catalog: Catalog, date: str, slug: str, text: str) -> Path:
    """Create the file under the first free name (`_2`, `_3` … on a clash), atomically."""
    stem = f"session_{date.replace('-', '')}_{slug}"
    for number in range(1, MAX_CLASH_SUFFIX):
        name = f"{stem}.md" if number == 1 else f"{stem}_{number}.md"
        candidate = workspace.sessions_path / name
        if candidate.exists():
            continue
        _refuse_cycles(
            workspace, catalog, parse_export(workspace.relative(candidate), text.encode())
        )
        try:
            create_exclusive(candidate, text)
        except FileExistsError:
            continue  # another process took the name between the check and the write
        return candidate
    raise GitSessError(f"too many sessions named {stem}", "choose a different title")


@dataclass
class UpdateRequest:
    status: str | None = None
    type: str | None = None
    title: str | None = None
    summary: str | None = None
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()
    requires: Sequence[str] = ()
    continues: str | None = None
    replace_continuation: bool = True  # False for `link`: it refuses to replace one
    unlink: Sequence[str] = ()  # sessions to stop requiring or continuing
    unlink_requires: Sequence[str] = ()  # sessions to stop requiring (continuing stays)
    unlink_continues: Sequence[str] = ()  # the session to stop continuing (requiring stays)
    tokens: int | None = None
    rename: bool = False  # with a new title: the file name and the links follow (mv)


@dataclass
class UpdateResult:
    path: Path
    changed: list[str] = field(default_factory=list)  # the keys that were rewritten
    notes: list[str] = field(default_factory=list)  # asked for, but nothing to do
    heading: bool = False  # the body's `# Session: <title>` heading followed the title
    rename_to: str | None = None  # the id the new title would give (the name stays)
    title: str | None = None  # the new title
    renamed: Renamed | None = None  # what --rename did


def update_session(workspace: Workspace, ref: str, request: UpdateRequest) -> UpdateResult:
    """Change metadata keys in place; all other bytes of the file stay as they were."""
    with workspace.write_lock():
        catalog = workspace.catalog()
        session = workspace.find(catalog, ref)
        path = workspace.repo.root / session.path
        blocking = [p for p in session.problems if p.blocking]
        if blocking:
            raise GitSessError(f"{blocking[0].location}: {blocking[0].message}", blocking[0].hint)
        if session.legacy:
            raise GitSessError(
                f"{session.path} has no frontmatter to update",
                f"give it one first: git sess import {session.path}",
            )
        _check_tags(request.add_tags)
        notes = [
            f"tag {tag!r} was not set" for tag in request.remove_tags if tag not in session.tags
        ]
        changes = _changes(workspace, catalog, session, request)
        # --rename names the file by the title (the new one, else the one it has).
        rename = " ".join((request.title or session.title).split()) if request.rename else None
        if rename:
            plan_rename(workspace, catalog, session, rename)  # refused before any write
            changes.pop("title", None)  # mv writes the title, its heading, the name
        if not changes and not rename:
            return UpdateResult(path=path, notes=notes)
        check_index_readable(workspace)
        data = read_bytes(path)
        bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
        text = decode_utf8(data, session.path)
        updated = bom + edit_frontmatter(text, changes)
        if changes.get("title"):  # the heading follows, when it said the old title
            body = body_of(updated)
            updated = updated[: len(updated) - len(body)] + retitled_heading(
                body, session.title, changes["title"]
            )
        _refuse_cycles(workspace, catalog, parse_export(session.path, updated.encode(), session.id))
        if changes.get("continuation_of"):  # after the cycle check: a cycle says more
            target = catalog.by_id[changes["continuation_of"]]
            refuse_continuing_later(session.id, session.date, target)
        result = UpdateResult(path=path, changed=list(changes), notes=notes)
        result.heading = body_of(updated) != body_of(bom + text)
        if changes:
            write_atomic(path, updated)
        if rename:
            result.renamed = rename_locked(workspace, session.id, rename, text=False)
            result.path = result.renamed.new
            if rename != session.title:
                result.changed.append("title")
        else:
            write_index(workspace, workspace.catalog())
            result.title = changes.get("title")
            result.rename_to = _id_for_title(session, result.title)
        return result


def _id_for_title(session: Session, title: str | None) -> str | None:
    """The id a new title would give the session, when it is not the one it has."""
    if not title or not session.date:
        return None
    try:
        new_id = new_session_id(session.date, title)
    except GitSessError:  # no letters or digits to name a file by: the name stays
        return None
    return new_id if new_id != session.id else None


def _changes(
    workspace: Workspace, catalog: Catalog, session: Session, request: UpdateRequest
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in ("status", "type"):
        value = getattr(request, key)
        if value is not None:
            _check_vocabulary(workspace, key, value)
            if value != getattr(session, key):
                changes[key] = value
    for key in ("title", "summary"):
        value = getattr(request, key)
        if value is not None and " ".join(value.split()) != (getattr(session, key) or ""):
            changes[key] = " ".join(value.split()) or None
    tags = [t for t in _unique([*session.tags, *request.add_tags]) if t not in request.remove_tags]
    if tags != session.tags:
        changes["tags"] = tags
    if request.requires:
        added = [_existing_link(workspace, catalog, raw, session.id) for raw in request.requires]
        requires = _unique([*session.prerequisite_sessions, *added])
        if requires != session.prerequisite_sessions:
            changes["prerequisite_sessions"] = requires
    if request.continues is not None:
        continues = _existing_link(workspace, catalog, request.continues, session.id)
        target, sessions_dir = catalog.by_id[continues], workspace.config.sessions_dir
        replace = request.replace_continuation
        if continuation_changes(session, target, catalog.by_id, sessions_dir, replace=replace):
            changes["continuation_of"] = continues
    if request.unlink or request.unlink_requires or request.unlink_continues:
        changes.update(_unlinked(workspace, catalog, session, request))
    if request.tokens is not None and request.tokens != session.tokens:
        changes["tokens"] = request.tokens
    return changes


def _unlinked(
    workspace: Workspace, catalog: Catalog, session: Session, request: UpdateRequest
) -> dict[str, Any]:
    """The link keys without the named sessions: `unlink` drops every link to
    one, `unlink_requires` / `unlink_continues` only the prerequisite / the
    continuation. A link is matched as written (so a dangling one, its session
    deleted, can be removed too) or by the session a short name finds."""
    sessions_dir = workspace.config.sessions_dir

    def key(raw: str) -> str:
        return (normalize_link(raw, sessions_dir) or raw).lower()

    def wanted(refs: Sequence[str], kinds: tuple[str, ...], verb: str) -> set[str]:
        linked = {key(raw) for kind, raw in session.links if kind in kinds}
        found = set()
        for ref in refs:
            if key(ref) not in linked:
                with contextlib.suppress(SessionNotFound):
                    ref = workspace.find(catalog, ref).id
            if key(ref) not in linked:
                raise ValidationFailed(
                    f"{session.id} does not {verb} {ref}",
                    f"git sess show {session.id} --links shows what it links to",
                )
            found.add(key(ref))
        return found

    both = wanted(request.unlink, ("requires", "continues"), "link to")
    requires = both | wanted(request.unlink_requires, ("requires",), "require")
    continues = both | wanted(request.unlink_continues, ("continues",), "continue")
    changes: dict[str, Any] = {}
    kept = [raw for raw in session.prerequisite_sessions if key(raw) not in requires]
    if kept != session.prerequisite_sessions:
        changes["prerequisite_sessions"] = kept
    if session.continuation_of and key(session.continuation_of) in continues:
        changes["continuation_of"] = None
    return changes


def _existing_link(
    workspace: Workspace, catalog: Catalog, raw: str, source: str | None = None
) -> str:
    target = _find_link_target(workspace, catalog, raw)
    if target == source:
        raise ValidationFailed(f"{source} cannot link to itself", "name another session")
    return target


def _find_link_target(workspace: Workspace, catalog: Catalog, raw: str) -> str:
    """The id a link option names: an id (with or without `.md`) or a unique prefix."""
    sessions_dir = workspace.config.sessions_dir
    if normalize_link(raw, sessions_dir) is None:
        raise ValidationFailed(
            f"link {raw!r} is not a session id",
            f"links name files directly in {sessions_dir}/: git sess list shows their ids",
        )
    target = resolve_link(raw, catalog.by_id, sessions_dir)
    if target is not None:
        return target
    try:
        return workspace.find(catalog, raw).id
    except SessionNotFound:
        raise ValidationFailed(
            f"no session {raw!r} to link to",
            "links name existing sessions: git sess list shows their ids",
        ) from None


def _check_tags(tags: Sequence[str]) -> None:
    for tag in tags:
        if tag_problem(tag):
            raise GitSessError(
                f"tag {tag!r} is not one word",
                "give one tag per --tag, joining words with - or _ (e.g. --tag data-cleaning)",
            )


def _refuse_cycles(workspace: Workspace, catalog: Catalog, candidate: Session) -> None:
    """Refuse a write that would make `candidate` part of a link cycle."""
    others = [s for s in catalog.sessions if s.id != candidate.id]
    edges, _ = link_problems([*others, candidate], workspace.config.sessions_dir)
    for cycle in find_cycles([s.id for s in others] + [candidate.id], edges):
        if candidate.id in cycle:
            raise ValidationFailed(
                f"the links would make a cycle: {format_cycle(cycle)}",
                "a session may only continue or require sessions that came before it",
            )


def _check_vocabulary(workspace: Workspace, key: str, value: str) -> None:
    problem = vocabulary_problem(workspace.config, key, value)
    if problem:
        raise GitSessError(*problem)


def _date_option(raw: str | None) -> str:
    if raw is None:
        return clock.today().isoformat()
    parsed = parse_date(raw)
    if parsed is None:
        raise GitSessError(f"--date {raw!r} is not a date", "write it as YYYY-MM-DD")
    return parsed


def _template_for(workspace: Workspace, kind: str) -> str:
    """Types added through `sess.types` without a template of their own use feature's."""
    name = session_template_name(kind)
    if (workspace.templates_path / name).is_file() or kind in TYPES:
        return name
    return session_template_name("feature")


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(item.strip() for item in items if item and item.strip()))
