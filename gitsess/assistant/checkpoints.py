"""Checkpoints (DESIGN.md §3.2): `checkpoints/YYYY-MM-DD_HHMMSS_Description_ccp.md`,
a snapshot to resume from after a context reset, filled as far as facts allow.

A checkpoint records its conversation (Claude Code's `session_id`) as
`transcript:`, as an export does, so that recovery finds this conversation's
own; after a compaction, Claude's own summary of it is kept in the checkpoint
written just before (or in a new one)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitsess.assistant.drafting import (
    ASSISTANT,
    context_line,
    listed,
    objectives,
    transcript_metadata,
)
from gitsess.assistant.records import clean
from gitsess.assistant.recovery import Conversation, latest_checkpoint, recovery_order
from gitsess.assistant.transcript import Scan
from gitsess.assistant.window import window_size
from gitsess.core import clock
from gitsess.core.catalog import require_sessions_dir
from gitsess.core.errors import GitSessError, printable
from gitsess.core.files import create_exclusive, read_bytes, write_atomic
from gitsess.core.frontmatter import frontmatter_value, render_frontmatter
from gitsess.core.names import ascii_spelling
from gitsess.core.secrets import redact
from gitsess.core.templates import fill_sections, session_values
from gitsess.core.workspace import Workspace

MAX_STATUS_LINES = 15
# Any assistant's (Codex's too): a checkpoint keeps one summary.
SUMMARY_HEADINGS = re.compile(r"^## [\w ]+'s summary of the compaction$", re.M)
PRODUCTS = {"Claude": "Claude Code"}  # whose own summary it is, by the assistant's name
MAX_SUMMARY_CHARS = 60_000  # Claude Code's summaries are a few thousand characters
# A checkpoint written before a compaction is that compaction's if it is this recent:
# PreCompact's own timeout is 2 minutes, and summarising a full context a few more.
COMPACTION_SPAN = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class CheckpointRequest:
    description: str | None = None
    scan: Scan | None = None
    trigger: str | None = None  # manual | auto, when a compaction asked for it
    now: dt.datetime | None = None
    conversation: str | None = None  # Claude Code's session_id, when a hook asks
    since: dt.date | None = None  # the day it began: its exports are not older
    summary: str | None = None  # Claude's summary of a compaction, to keep
    author: str = "Claude"  # the assistant that wrote that summary


def checkpoint_name(now: dt.datetime, description: str) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "_", ascii_spelling(description)).strip("_")[:60].rstrip("_")
    return f"{now:%Y-%m-%d_%H%M%S}_{words or 'checkpoint'}_ccp.md"


def write_checkpoint(workspace: Workspace, request: CheckpointRequest) -> Path:
    require_sessions_dir(workspace.sessions_path, workspace.config.sessions_dir)
    workspace.refuse_escape()
    now = request.now or clock.now()
    description = " ".join((request.description or "").split()) or "Checkpoint"
    text = _checkpoint_text(workspace, request, description, now)
    # The PreCompact hook writes here unasked: a linked folder must not lead out.
    directory = workspace.inside(workspace.checkpoints_path)
    try:
        directory.mkdir(exist_ok=True)
    except OSError as exc:
        raise GitSessError(
            f"cannot create {workspace.relative(workspace.checkpoints_path)}/:"
            f" {exc.strerror or exc}",
            f"make {workspace.config.sessions_dir} writable and run the command again",
        ) from exc
    stem = checkpoint_name(now, description)[: -len(".md")]
    for number in range(1, 100):
        path = directory / (f"{stem}.md" if number == 1 else f"{stem}_{number}.md")
        try:
            create_exclusive(path, text)
        except FileExistsError:
            continue
        return path
    raise GitSessError(f"too many checkpoints named {stem}", "wait a second and try again")


def _checkpoint_text(
    workspace: Workspace, request: CheckpointRequest, description: str, now: dt.datetime
) -> str:
    scan = request.scan
    window = window_size(workspace, scan.path, scan.session_id) if scan else 0
    window = window or workspace.config.context_window
    metadata: dict[str, Any] = {
        "title": description,
        "date": now.date(),
        "type": "checkpoint",
        "status": "in-progress",
        "tags": [],
        "assistant": ASSISTANT,
    }
    scan = request.scan
    if scan is not None:
        metadata.update(transcript_metadata(scan, window))
    if request.conversation:  # the hook's session_id is the conversation's own word
        metadata["transcript"] = request.conversation
    branch, commit, subject = _head(workspace)
    metadata["branch"] = branch
    metadata["commit"] = commit
    if request.trigger:
        metadata["trigger"] = request.trigger
    metadata["time"] = now.isoformat(timespec="seconds")
    body = workspace.template(
        "session-checkpoint.md",
        session_values(
            title=description,
            date=now.date().isoformat(),
            type="checkpoint",
            status="in-progress",
            project=workspace.repo.root.name,
        ),
        body_only=True,
    )
    fills = {
        "Current Objectives": objectives(scan, 3) if scan else [],
        "Technical State": _technical_state(workspace, scan, branch, commit, subject),
        "Recovery Instructions": _recovery(workspace, request),
    }
    text = render_frontmatter(metadata) + fill_sections(body, fills)
    if request.summary is not None:
        text = with_summary(text, request.summary, request.trigger, now, request.author)
    return text


def _head(workspace: Workspace) -> tuple[str | None, str | None, str | None]:
    git = workspace.repo.git
    branch = git("symbolic-ref", "--quiet", "--short", "HEAD", check=False).strip() or None
    found = git("log", "-1", "--format=%h%x00%s", check=False).strip()
    commit, _, subject = found.partition("\0")
    return branch, commit or None, subject or None


def _technical_state(
    workspace: Workspace,
    scan: Scan | None,
    branch: str | None,
    commit: str | None,
    subject: str | None,
) -> list[str]:
    head = f"- Branch: {printable(branch or '(detached)')}"
    head += f" at {commit} ({printable(subject or '')})" if commit else " (no commits yet)"
    lines = [head]
    changed = workspace.repo.git("status", "--porcelain", check=False).splitlines()
    if changed:
        lines.append(f"- Uncommitted: {len(changed)} path(s)")
        lines += [f"  - `{line}`" for line in changed[:MAX_STATUS_LINES]]
    else:
        lines.append("- Uncommitted: nothing")
    if scan is not None:
        line = context_line(scan, window_size(workspace, scan.path, scan.session_id))
        lines += [line] if line else []
        for label, files in (("created", scan.files_created), ("modified", scan.files_modified)):
            if files:
                lines.append(f"- Files {label} this session:")
                lines += ["  " + item for item in listed(files)]
    return lines


def _recovery(workspace: Workspace, request: CheckpointRequest) -> list[str]:
    # The template's own first step is "1. Read this checkpoint.", which takes
    # the place of the checkpoint before it.
    conversation = request.conversation
    order = recovery_order(
        workspace, Conversation(conversation, request.since) if conversation else None
    )
    artifacts = [a for a in order if a.role not in ("checkpoint", "own-checkpoint")]
    return [
        f"{number}. Read `{artifact.path}` ({artifact.label})."
        for number, artifact in enumerate(artifacts, start=2)
    ]


# --- after a compaction ---------------------------------------------------------------


def keep_compaction_summary(
    workspace: Workspace,
    conversation: Conversation,
    summary: str,
    trigger: str,
    author: str = "Claude",
) -> tuple[Path, bool]:
    """Claude's summary of the compaction just made, in the checkpoint this
    conversation wrote before it; in a new checkpoint when there is none (the
    PreCompact hook not installed, or failed). (The path, whether it was added
    to one already there.)"""
    now = clock.now()
    found = latest_checkpoint(workspace, conversation.session_id)
    if found is not None:
        path = workspace.inside(workspace.repo.root / found.path)
        text = read_bytes(path).decode("utf-8", "replace")
        written_before = frontmatter_value(path, "trigger") is not None
        recent = now - found.time <= COMPACTION_SPAN
        if written_before and not SUMMARY_HEADINGS.search(text) and recent:
            write_atomic(path, with_summary(text, summary, trigger, now, author))
            return path, False
    request = CheckpointRequest(
        description=f"After {trigger} compaction",
        trigger=trigger,
        now=now,
        conversation=conversation.session_id,
        since=conversation.since,
        summary=summary,
        author=author,
    )
    return write_checkpoint(workspace, request), True


def with_summary(
    text: str, summary: str, trigger: str | None, now: dt.datetime, author: str = "Claude"
) -> str:
    """`text` with the summary as its last section, quoted line by line: its own
    headings and rules stay its, not the checkpoint's. A credential Claude quoted
    in it is redacted, as in every draft."""
    cleaned = _printable(redact(summary))
    if len(cleaned) > MAX_SUMMARY_CHARS:
        cleaned = cleaned[:MAX_SUMMARY_CHARS].rsplit("\n", 1)[0] + "\n[… cut at 60,000 characters]"
    when = f"after the {trigger} compaction" if trigger else "after the compaction"
    quoted = "\n".join(f"> {line}".rstrip() for line in cleaned.strip().splitlines())
    section = (
        f"## {author}'s summary of the compaction\n\n"
        f"{PRODUCTS.get(author, author)}'s own summary {when}"
        f" of {now.isoformat(timespec='seconds')},"
        f" as the conversation went on with it:\n\n{quoted}\n"
    )
    return text.rstrip("\n") + "\n\n" + section


def _printable(text: str) -> str:
    """Control characters escaped (a terminal's escapes must not reach one that
    shows the file), lines kept; half an emoji pair, which UTF-8 cannot hold, replaced."""
    return "\n".join(printable(clean(line)) for line in text.splitlines())
