"""`git sess status` and `git sess time`: where the conversation stands, from the
end of its transcript, and when the work was last saved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gitsess.assistant.budget import Budget, export_command
from gitsess.assistant.conversations import find_conversation
from gitsess.assistant.recovery import Moment, last_part, latest_checkpoint, latest_export
from gitsess.assistant.shapes import NAMES
from gitsess.assistant.transcript import (
    Tail,
    TranscriptError,
    is_current,
    read_start,
    read_tail,
    require_ours,
)
from gitsess.assistant.window import budget_for
from gitsess.core import clock
from gitsess.core.frontmatter import frontmatter_value
from gitsess.core.workspace import Workspace


@dataclass(frozen=True)
class Status:
    now: dt.datetime
    tail: Tail | None
    missing: str | None  # why there is no transcript, when there is none
    budget: Budget | None
    start: dt.datetime | None
    export: str  # the command that exports this conversation
    last_export: Moment | None
    last_checkpoint: Moment | None

    @property
    def current(self) -> bool:
        """The transcript is of a conversation going on now (written lately)."""
        return self.tail is not None and is_current(self.tail, self.now)

    @property
    def context_state(self) -> str | None:
        """What is known of the context now: `measured` (a reply's figure),
        `exceeded` (a response did not fit: the window is full), `pending` (a
        compaction since the newest reply: unknown until the next one), `none`
        (no reply yet); None without a transcript."""
        tail = self.tail
        if tail is None:
            return None
        if tail.exceeded_at is not None:
            return "exceeded"
        if tail.context_tokens is not None:
            return "measured"
        return "pending" if tail.compacted else "none"

    @property
    def assistant(self) -> str | None:
        """`Codex 0.171.0`, `Claude Code 2.1.87`: whose transcript, which version."""
        if self.tail is None:
            return None
        name = NAMES.get(self.tail.assistant, self.tail.assistant)
        return f"{name} {self.tail.version}" if self.tail.version else name

    @property
    def next_step(self) -> str:
        if self.tail is not None and not self.current:
            written = ago(self.tail.written, self.now)
            return (
                f"no conversation is going on here (its newest transcript was written {written});"
                f" when a session's work is done: `{self.export}` (or `git sess new`)"
            )
        if self.budget is not None and self.context_state == "exceeded":
            return f"a response did not fit the context window: {self.budget.advice}"
        if self.budget is not None:
            return self.budget.advice
        if self.tail is not None and self.tail.compacted:
            first = f"`{self.last_checkpoint.path}`, then " if self.last_checkpoint else ""
            return f"the context was just compacted: read {first}what `git sess context` lists"
        return f"when this session's work is done: `{self.export}` (or `git sess new`)"

    def as_json(self) -> dict[str, Any]:
        budget = self.budget
        return {
            "now": self.now.isoformat(timespec="seconds"),
            "transcript": None
            if self.tail is None
            else {
                "path": str(self.tail.path),
                "assistant": self.tail.assistant,  # claude-code | codex
                "assistant_version": self.tail.version,  # Claude Code's or Codex's
                "cli_version": self.tail.cli_version,  # Codex's, as its rollout records
                "session_id": self.tail.session_id,
                "model": self.tail.model,
                "branch": self.tail.branch,
                "started": _iso(self.start),
                "last_activity": _iso(self.tail.last_time),
                "written": _iso(self.tail.written),
                "seconds_since_written": _seconds(self.tail.written, self.now),
                "current": self.current,
                "compacted_since_last_reply": self.tail.compacted,
                "skipped_lines": self.tail.skipped_lines,
            },
            "no_transcript": self.missing,
            "context_state": self.context_state,
            "compaction": self._compaction_json(),
            "exceeded": None
            if self.tail is None or self.tail.exceeded_at is None
            else {"time": _iso(self.tail.exceeded_at)},
            "context": None
            if budget is None
            else {
                "tokens": budget.tokens,
                "window": budget.window,
                "window_rule": budget.window_rule,
                "window_reason": budget.window_reason,
                "percent": round(budget.share * 100, 1),
                "zone": budget.zone,
                "usable": budget.usable,
                "left_until_compaction_percent": round(budget.left * 100, 1),
                "left_until_compaction_tokens": budget.free,
            },
            "last_export": _moment_json(self.last_export, self.now),
            "last_checkpoint": _moment_json(self.last_checkpoint, self.now),
            "next": self.next_step,
        }

    def _compaction_json(self) -> dict[str, Any] | None:
        """The compaction since the newest reply: when, from how many tokens, and
        that the context's figure is pending until the next reply."""
        tail = self.tail
        if tail is None or not tail.compacted:
            return None
        return {
            "time": _iso(tail.compacted_at),
            "seconds_ago": _seconds(tail.compacted_at, self.now),
            "tokens_before": tail.compaction_peak,
            "trigger": tail.compaction_trigger,
            "figure_pending": self.context_state == "pending",
        }


def session_status(workspace: Workspace, ref: str | None) -> Status:
    """The status of the transcript `ref` names (default: this repository's
    newest); with no transcript at all, only the export and checkpoint times."""
    tail, missing = None, None
    try:
        path = find_conversation(workspace.repo.root, ref)
    except TranscriptError as error:
        if ref:
            raise
        missing = error.message
    else:
        tail = read_tail(path)
        require_ours(tail, workspace.repo.root)
    start = read_start(tail.path) if tail else None
    checkpoint = latest_checkpoint(workspace)
    budget = None
    found = budget_for(workspace, tail) if tail is not None else None
    if tail is not None and found is not None:
        budget = knowing_saves(workspace, found, tail, start, checkpoint)
    export = budget.export if budget else conversation_export(workspace, tail, start)[0]
    return Status(
        now=clock.now(),
        tail=tail,
        missing=missing,
        budget=budget,
        start=start,
        export=export,
        last_export=latest_export(workspace),
        last_checkpoint=checkpoint,
    )


def knowing_saves(
    workspace: Workspace,
    budget: Budget,
    tail: Tail,
    start: dt.datetime | None,
    checkpoint: Moment | None,
) -> Budget:
    """`budget` with what this conversation has saved: the command for its next
    export, the context of its last export and of its latest checkpoint."""
    export, exported_at = conversation_export(workspace, tail, start)
    checkpointed_at = _checkpoint_context(workspace, checkpoint, tail)
    return replace(
        budget,
        export=export,
        exported_at=exported_at,
        checkpointed_at=checkpointed_at,
        conversation=tail.session_id,
    )


def _checkpoint_context(workspace: Workspace, checkpoint: Moment | None, tail: Tail) -> int | None:
    """The context `checkpoint` was written at, when it is of this conversation."""
    if checkpoint is None:
        return None
    path = workspace.repo.root / checkpoint.path
    if frontmatter_value(path, "transcript") != tail.session_id:
        return None
    tokens = frontmatter_value(path, "tokens") or ""
    return int(tokens) if tokens.isdigit() else None


def conversation_export(
    workspace: Workspace, tail: Tail | None, start: dt.datetime | None
) -> tuple[str, int | None]:
    """The command that exports this conversation (its next part once it has
    one), and the context its last part was written at."""
    since = start.astimezone().date() if start else None
    last = last_part(workspace, tail.session_id, since) if tail else None
    conversation = tail.session_id if tail else None
    if last is None:
        return export_command(None, conversation), None
    return export_command(Path(last.id).stem, conversation), last.tokens


def ago(moment: dt.datetime | None, now: dt.datetime) -> str:
    """`3h 12m ago`, `just now`, `never`."""
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    if seconds < 0:
        return "in the future (check the clock)"
    if seconds < 60:
        return "just now"
    return f"{span(dt.timedelta(seconds=seconds))} ago"


def moment_ago(moment: Moment | None, now: dt.datetime) -> str:
    """How long ago `moment` was (`ago`); of one a shallow clone's cut history
    hides, that it was then or earlier, and why."""
    said = ago(moment.time if moment else None, now)
    if moment is not None and moment.cut:
        return f"{said} or earlier (a shallow clone: its history stops there)"
    return said


def span(length: dt.timedelta) -> str:
    minutes = int(length.total_seconds()) // 60
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days}d"] if days else []
    if hours or days:
        parts.append(f"{hours}h")
    parts.append(f"{minutes}m")
    return " ".join(parts[:2])


def _seconds(moment: dt.datetime | None, now: dt.datetime) -> int | None:
    return int((now - moment).total_seconds()) if moment else None


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone().isoformat(timespec="seconds") if moment else None


def _moment_json(moment: Moment | None, now: dt.datetime) -> dict[str, Any] | None:
    if moment is None:
        return None
    return {
        "path": moment.path,
        "time": _iso(moment.time),
        "seconds_ago": int((now - moment.time).total_seconds()),
        # The history of a shallow clone is cut at `time`: written then or earlier.
        "or_earlier": moment.cut,
    }
