"""`git sess new --from-transcript`: an export's request filled in from a transcript.

A conversation exported more than once is written in parts, each continuing the
last. Each part records in `transcript_until:` the uuid of the last transcript
record it covers, and the next part is drafted from the record after it: its
objectives, files, commands and token figures are those of the new stretch only.
A uuid, not a line number or a byte offset: records are only ever appended, so
it names the same record however far the transcript grows, it still names it
when Claude Code carries the conversation into another file, and it is never
confused by a line that was cut short while it was being written (such a line is
not read, so it is not covered yet).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from gitsess.assistant.budget import export_command
from gitsess.assistant.conversations import conversation_id, find_conversation
from gitsess.assistant.drafting import (
    export_sections,
    next_part_title,
    title_from,
    transcript_metadata,
)
from gitsess.assistant.recovery import last_part
from gitsess.assistant.transcript import Scan, read_start, require_ours, scan_transcript
from gitsess.assistant.window import window_size
from gitsess.core.authoring import NewSession
from gitsess.core.errors import GitSessError
from gitsess.core.model import Session
from gitsess.core.workspace import Workspace

UNTIL_KEY = "transcript_until"


def _previous_part(workspace: Workspace, path: Path, continues: str | None) -> Session | None:
    """The last export of this conversation, refused as a copy unless the new
    one is said to continue something."""
    session_id = conversation_id(path)
    start = read_start(path)
    since = start.astimezone().date() if start else None
    last = last_part(workspace, session_id, since)
    if last is not None and continues is None:
        raise GitSessError(
            f"this conversation ({session_id}) is already exported, last as {last.path}",
            f"write its next part: {export_command(Path(last.id).stem, session_id)}",
        )
    return last


def _refuse_nothing_new(last: Session, scan: Scan) -> None:
    """A next part needs something to have happened since the last."""
    acted = scan.prompt_count or scan.commands or scan.files_created or scan.files_modified
    replied = scan.context_tokens is not None and scan.context_tokens != last.tokens
    if acted or replied or scan.compactions:
        return
    raise GitSessError(
        f"nothing happened in this conversation since {last.path} was exported",
        f"go on working first, or edit that export: git sess show {Path(last.id).stem}",
    )


def _position(last: Session | None) -> str | None:
    value = last.extra.get(UNTIL_KEY) if last is not None else None
    return value if isinstance(value, str) and value else None


def from_transcript(
    workspace: Workspace, request: NewSession, ref: str, *, inherit_type: bool = False
) -> NewSession:
    """`request` with what the transcript `ref` names knows filled in; the user's
    own title, date and tokens win."""
    path = find_conversation(workspace.repo.root, ref)
    last = _previous_part(workspace, path, request.continues)
    scan = scan_transcript(path, workspace.repo.root, _position(last))
    require_ours(scan, workspace.repo.root)
    if last is not None:
        _refuse_nothing_new(last, scan)
    title = request.title or _default_title(scan, last)
    if not title:
        raise GitSessError(
            f"{scan.path} has no request of yours to take a title from",
            'give one: git sess new "What this session does" --from-transcript',
        )
    started = scan.start.astimezone().date().isoformat() if scan.start else None
    window = window_size(workspace, scan.path, scan.session_id)
    facts: dict[str, Any] = transcript_metadata(scan, window)
    if scan.until:
        facts[UNTIL_KEY] = scan.until
    kind = last.type if inherit_type and last is not None else request.type
    return replace(
        request,
        type=kind,
        title=title,
        date=request.date or started,
        facts={**facts, **request.facts},
        sections=export_sections(scan),
    )


def _default_title(scan: Scan, last: Session | None) -> str | None:
    # A next part is the same work: "X, part 2" says so and is a name of its own,
    # where its first request ("go on", "yes") seldom is.
    return next_part_title(last.title) if last is not None else title_from(scan)
