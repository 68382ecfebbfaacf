"""`git sess new --from-transcript`: an export's request filled in from a transcript."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gitsess.assistant.drafting import export_sections, title_from, transcript_metadata
from gitsess.assistant.recovery import last_part
from gitsess.assistant.transcript import Scan, scan_for
from gitsess.core.authoring import NewSession
from gitsess.core.errors import GitSessError
from gitsess.core.workspace import Workspace


def _refuse_second_export(workspace: Workspace, scan: Scan, continues: str | None) -> None:
    """A second export of one conversation is its next part (or a copy); and a
    next part needs something to have happened since the last."""
    since = scan.start.astimezone().date() if scan.start else None
    last = last_part(workspace, scan.session_id, since)
    if last is None:
        return
    name = Path(last.id).stem
    if continues is None:
        raise GitSessError(
            f"this conversation ({scan.session_id}) is already exported, last as {last.path}",
            f"write its next part: git sess new --from-transcript --continues {name}",
        )
    if last.tokens is not None and last.tokens == scan.context_tokens:
        raise GitSessError(
            f"nothing happened in this conversation since {last.path} was exported",
            f"go on working first, or edit that export: git sess show {name}",
        )


def from_transcript(workspace: Workspace, request: NewSession, ref: str) -> NewSession:
    """`request` with what the transcript `ref` names knows filled in; the user's
    own title, date and tokens win."""
    scan = scan_for(workspace.repo.root, ref)
    _refuse_second_export(workspace, scan, request.continues)
    title = request.title or title_from(scan)
    if not title:
        raise GitSessError(
            f"{scan.path} has no request of yours to take a title from",
            'give one: git sess new "What this session does" --from-transcript',
        )
    started = scan.start.astimezone().date().isoformat() if scan.start else None
    return replace(
        request,
        title=title,
        date=request.date or started,
        facts={**transcript_metadata(scan, workspace.config.context_window), **request.facts},
        sections=export_sections(scan),
    )
