"""One run of an assistant's hook: the event it got (`Event`), what it prints and
what the log says it did (`Outcome`), and which assistant sent the event.

Which assistant: the plugin at the repository's root is installed by Claude
Code and by Codex alike (Codex 0.171 reads `.claude-plugin/` and runs its
`hooks/hooks.json`, with `CLAUDE_PLUGIN_ROOT` set for compatibility), so
`git sess hook claude EVENT` can be Codex's. The event itself tells: every
Codex payload (its schemas, docs/research/issue21.md §2) either carries a
`turn_id` (PreCompact, PostCompact, UserPromptSubmit), or names its rollout
(`rollout-<time>-<id>.jsonl`) or null (`codex exec --ephemeral`) as
`transcript_path` (SessionStart, SessionEnd); Claude Code sends none of these.
An environment variable would not: Codex sets Claude's own for plugins, and a
user's shell may hold either's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_ROLLOUT = re.compile(r"rollout-[^/\\]*\.jsonl(?:\.zst)?")


@dataclass
class Outcome:
    """What a hook prints, and what the log says it did."""

    output: dict[str, Any] = field(default_factory=dict)
    did: str = "nothing"
    wrote: str | None = None
    warnings: list[str] = field(default_factory=list)
    # For the user, from a hook that prints nothing: said by the next that may speak.
    notices: list[str] = field(default_factory=list)

    def warn(self, *lines: str) -> None:
        """Tell the user (`systemMessage`), and the log."""
        self.warnings += lines
        self.tell(*lines)

    def tell(self, *lines: str, first: bool = False) -> None:
        """Lines for the user in `systemMessage` (`first`: before those already there)."""
        if not lines:
            return
        said = [f"git-sess: {line}" for line in lines]
        there = str(self.output.get("systemMessage") or "").splitlines()
        shown = [*said, *there] if first else [*there, *said]
        self.output["systemMessage"] = "\n".join(dict.fromkeys(filter(None, shown)))


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict[str, Any]
    author: str = "Claude"  # whose summary a compaction's is (Codex's: codex_shapes.py)

    def get(self, key: str) -> str | None:
        value = self.payload.get(key)
        return value if isinstance(value, str) and value else None

    @property
    def transcript(self) -> Path | None:
        raw = self.get("transcript_path")
        return Path(raw).expanduser() if raw else None


def sent_by_codex(payload: dict[str, Any]) -> bool:
    """Whether Codex sent this event (see the module's docstring)."""
    if "turn_id" in payload:
        return True
    if "transcript_path" in payload and payload["transcript_path"] is None:
        return True
    path = payload.get("transcript_path")
    return isinstance(path, str) and bool(_ROLLOUT.fullmatch(re.split(r"[/\\]", path)[-1]))
