"""`git sess assistant test` on a Codex rollout: each Codex hook run as Codex
would run it, writing nothing.

The event is the one Codex sends (Claude-shaped: `session_id`,
`transcript_path` = the rollout, `cwd`, `model`, and the event's own `source`
or `trigger`; its PostCompact carries no summary), adapted as `git sess hook
codex` adapts it; the handler is the Claude Code hook's, dry; what is shown is
what `git sess hook codex` would print (codex_shapes.py), None when it prints nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitsess.assistant.claude_hooks import handle
from gitsess.assistant.codex_shapes import ACCEPTED, adapted, shaped
from gitsess.assistant.hook_event import Event, Outcome
from gitsess.assistant.transcript import tail_for
from gitsess.core.workspace import Workspace

# The events `assistant install --codex` registers, as Codex raises them.
REHEARSED = (
    ("SessionStart", {"source": "startup"}),
    ("SessionStart", {"source": "compact"}),
    ("PreCompact", {"trigger": "auto"}),
    ("PostCompact", {"trigger": "auto"}),
    ("UserPromptSubmit", {"prompt": ""}),
    ("SessionEnd", {"reason": "other"}),
)


@dataclass(frozen=True)
class Rehearsal:
    label: str  # `SessionStart (compact)`
    outcome: Outcome  # what the handler did
    printed: dict[str, Any] | None  # what Codex would be given; None: nothing
    heard: bool  # whether Codex takes any output of this event (PreCompact, SessionEnd: no)


def rehearse_codex(workspace: Workspace, rollout: Path) -> list[Rehearsal]:
    """Each Codex hook on `rollout`, as Codex would run it; nothing written."""
    tail = tail_for(workspace.repo.root, str(rollout))
    base = {
        "session_id": tail.session_id or rollout.stem,
        "transcript_path": str(rollout),
        "cwd": str(workspace.repo.root),
        "model": tail.model,
    }
    results = []
    for name, own in REHEARSED:
        event = adapted(Event(name, {**base, "hook_event_name": name, **own}))
        outcome = handle(workspace, event, dry_run=True)
        label = name + (f" ({own['source']})" if "source" in own else "")
        printed = shaped(name, outcome.output)
        results.append(Rehearsal(label, outcome, printed, name in ACCEPTED))
    return results
