"""Checkpoints (DESIGN.md §3.2): `checkpoints/YYYY-MM-DD_HHMMSS_Description_ccp.md`,
a snapshot to resume from after a context reset, filled as far as facts allow."""

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
from gitsess.assistant.recovery import recovery_order
from gitsess.assistant.transcript import Scan
from gitsess.core import clock
from gitsess.core.catalog import require_sessions_dir
from gitsess.core.errors import GitSessError
from gitsess.core.files import create_exclusive
from gitsess.core.frontmatter import render_frontmatter
from gitsess.core.names import ascii_spelling
from gitsess.core.templates import fill_sections, session_values
from gitsess.core.workspace import Workspace

MAX_STATUS_LINES = 15


@dataclass(frozen=True)
class CheckpointRequest:
    description: str | None = None
    scan: Scan | None = None
    trigger: str | None = None  # manual | auto, when a compaction asked for it
    now: dt.datetime | None = None


def checkpoint_name(now: dt.datetime, description: str) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "_", ascii_spelling(description)).strip("_")[:60].rstrip("_")
    return f"{now:%Y-%m-%d_%H%M%S}_{words or 'checkpoint'}_ccp.md"


def write_checkpoint(workspace: Workspace, request: CheckpointRequest) -> Path:
    require_sessions_dir(workspace.sessions_path, workspace.config.sessions_dir)
    workspace.refuse_escape()
    now = request.now or clock.now()
    description = " ".join((request.description or "").split()) or "Checkpoint"
    text = _checkpoint_text(workspace, request, description, now)
    directory = workspace.checkpoints_path
    directory.mkdir(exist_ok=True)
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
    window = workspace.config.context_window
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
        "Recovery Instructions": _recovery(workspace),
    }
    return render_frontmatter(metadata) + fill_sections(body, fills)


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
    head = f"- Branch: {branch or '(detached)'}"
    head += f" at {commit} ({subject})" if commit else " (no commits yet)"
    lines = [head]
    changed = workspace.repo.git("status", "--porcelain", check=False).splitlines()
    if changed:
        lines.append(f"- Uncommitted: {len(changed)} path(s)")
        lines += [f"  - `{line}`" for line in changed[:MAX_STATUS_LINES]]
    else:
        lines.append("- Uncommitted: nothing")
    if scan is not None:
        line = context_line(scan, workspace.config.context_window)
        lines += [line] if line else []
        for label, files in (("created", scan.files_created), ("modified", scan.files_modified)):
            if files:
                lines.append(f"- Files {label} this session:")
                lines += ["  " + item for item in listed(files)]
    return lines


def _recovery(workspace: Workspace) -> list[str]:
    # The template's own first step is "1. Read this checkpoint.", which takes
    # the place of the checkpoint before it.
    artifacts = [a for a in recovery_order(workspace) if a.role != "checkpoint"]
    return [
        f"{number}. Read `{artifact.path}` ({artifact.label})."
        for number, artifact in enumerate(artifacts, start=2)
    ]
