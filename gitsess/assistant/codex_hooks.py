"""OpenAI Codex CLI's hooks: `git sess hook codex <Event>`, the Claude Code
hooks' work (claude_hooks.py) in the shapes Codex takes.

Codex passes Claude-shaped JSON on stdin (`transcript_path` is the rollout)
and checks what a hook prints strictly against each event's schema: a key it
does not know makes it drop the output and mark the hook failed. So only these
keys are printed:
- SessionStart, UserPromptSubmit: `hookSpecificOutput` {hookEventName,
  additionalContext} and `systemMessage`; SessionStart always says
  `hookSpecificOutput` (a bare object has been refused by some versions);
- PreCompact, PostCompact: nothing (they cannot add context in Codex).
Codex's PostCompact carries no summary: the rollout's newest `compacted` line
holds it. A fork's parent is named in its rollout's `session_meta`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from gitsess.assistant.claude_hooks import Event
from gitsess.assistant.claude_hooks import main as run_hook
from gitsess.assistant.codex_rollout import compaction_summary, meta_facts, session_meta

EVENTS = ("SessionStart", "PreCompact", "PostCompact", "UserPromptSubmit")
# The keys each event's output may have (Codex 0.171.0's schemas).
ACCEPTED = {
    "SessionStart": ("continue", "stopReason", "suppressOutput", "systemMessage"),
    "UserPromptSubmit": ("continue", "stopReason", "suppressOutput", "systemMessage"),
}
SPECIFIC = ("hookEventName", "additionalContext")


def main(argv: list[str]) -> int:
    """`git sess hook codex EVENT`: always exit 0; print only what Codex accepts."""
    return run_hook(argv, adapt=adapted, shape=shaped)


def adapted(event: Event) -> Event:
    """The event with what Codex leaves out and its rollout says."""
    event = replace(event, author="Codex")
    path = event.transcript
    if path is None or not path.is_file():
        return event
    extra: dict[str, Any] = {}
    if event.name == "PostCompact" and not event.get("compact_summary"):
        extra["compact_summary"] = compaction_summary(path)
    if event.name == "SessionStart" and event.get("source") == "fork":
        extra["parent_session_id"] = meta_facts(session_meta(path))["forked_from"]
    return replace(event, payload={**event.payload, **extra}) if extra else event


def shaped(name: str, output: dict[str, Any]) -> dict[str, Any] | None:
    """`output` cut to the keys Codex accepts for event `name`; None: print nothing."""
    keys = ACCEPTED.get(name)
    if keys is None:
        return None
    kept = {key: output[key] for key in keys if key in output}
    specific = output.get("hookSpecificOutput")
    specific = specific if isinstance(specific, dict) else {}
    context = specific.get("additionalContext")
    if name == "SessionStart" or context:
        kept["hookSpecificOutput"] = {
            "hookEventName": name,
            "additionalContext": context if isinstance(context, str) else "",
        }
    return kept or None
