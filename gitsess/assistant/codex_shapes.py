"""OpenAI Codex CLI's side of the hooks: what Codex leaves out of an event, and
what it accepts in return. claude_hooks.py runs the work; `git sess hook codex
EVENT` (codex_hooks.py), and `git sess hook claude EVENT` given Codex's event
(the plugin's hooks under Codex, hook_event.sent_by_codex), use these.

Codex passes Claude-shaped JSON on stdin (`transcript_path` is the rollout)
and checks what a hook prints strictly against each event's schema (Codex
0.171.0, all `additionalProperties: false`): a key it does not know makes it
drop the output and mark the hook failed. So only these keys are printed:
- SessionStart, UserPromptSubmit: `hookSpecificOutput` {hookEventName,
  additionalContext} and `systemMessage`; SessionStart always says
  `hookSpecificOutput` (a bare object has been refused by some versions);
- PostCompact: `systemMessage` alone (it cannot add context in Codex);
- PreCompact and SessionEnd print nothing: what they would tell the user waits
  for the next hook that may speak (hook_state.py).
Codex's PostCompact carries no summary: the rollout's newest `compacted` line
holds it. A fork's parent is named in its rollout's `session_meta`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from gitsess.assistant.codex_rollout import compaction_summary, meta_facts, session_meta
from gitsess.assistant.hook_event import Event

EVENTS = ("SessionStart", "PreCompact", "PostCompact", "UserPromptSubmit", "SessionEnd")
SILENT = ("PreCompact", "SessionEnd")  # printed nothing, whatever they have to say
UNIVERSAL = ("continue", "stopReason", "suppressOutput", "systemMessage")
# The keys each event's output may have besides hookSpecificOutput (Codex 0.171.0's schemas).
ACCEPTED = {"SessionStart": UNIVERSAL, "UserPromptSubmit": UNIVERSAL, "PostCompact": UNIVERSAL}
SPEAKS_WITH_CONTEXT = ("SessionStart", "UserPromptSubmit")


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
    if keys is None or name in SILENT:
        return None
    kept = {key: output[key] for key in keys if key in output}
    specific = output.get("hookSpecificOutput")
    specific = specific if isinstance(specific, dict) else {}
    context = specific.get("additionalContext")
    if name in SPEAKS_WITH_CONTEXT and (name == "SessionStart" or context):
        kept["hookSpecificOutput"] = {
            "hookEventName": name,
            "additionalContext": context if isinstance(context, str) else "",
        }
    return kept or None
