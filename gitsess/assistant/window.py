"""The context window of a conversation, and which rule decided it (DESIGN.md §5).

In order of trust:
1. `git config sess.contextWindow`: the user said so;
2. the size Claude Code's status line reported for this conversation (or, for
   a conversation it has not reported yet, for the same model in this
   repository), remembered by `git sess statusline`;
3. evidence in the transcript: a context above 200K proves a 1M window; an
   automatic compaction that started near 155K proves a 200K one (remembered
   for the conversation, since the newest reply hides the compaction);
4. the model of the newest reply, by `MILLION_MODELS` below, with
   CLAUDE_CODE_DISABLE_1M_CONTEXT holding 1M models to 200K;
5. 200K, said to be a default.

The state file is small JSON in the git directory (`git rev-parse --git-path
gitsess`), written only when what it holds changes.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitsess.assistant.budget import Budget
from gitsess.assistant.shapes import CODEX
from gitsess.core.files import write_atomic

if TYPE_CHECKING:
    from gitsess.assistant.transcript import Tail
    from gitsess.core.workspace import Workspace

SMALL, LARGE = 200_000, 1_000_000
# The models with a 1M window (2026), by the id a transcript records; ids carry
# a date or a provider's suffix after these (`-20260301`, `@…`, `-v1:0`).
MILLION_MODELS = (
    "claude-sonnet-5",
    "claude-opus-5",
    "claude-fable-5",
    "claude-mythos-5",
    "claude-opus-4-6",
    "claude-opus-4-7",
    "claude-opus-4-8",
    "claude-sonnet-4-6",
)
# Known 200K models: every 4.5, every Haiku, and the generations before 4.5.
SMALL_MODELS = re.compile(
    r"claude-(?:[a-z]+-4-5|haiku-.+|[a-z]+-4(?:-[01])?|[23](?:[-.].*)?|instant.*)"
)
MODEL_END = re.compile(r"(?:-\d{8}|@.*|-v\d.*|-latest|\[.*\])?$")
LONG_CONTEXT_SUFFIX = "[1m]"
DISABLE_1M = "CLAUDE_CODE_DISABLE_1M_CONTEXT"
# An automatic compaction that started between these proves a 200K window
# (Claude Code compacts it at about 155K; a 1M window at about 775K).
SMALL_COMPACTION = (120_000, SMALL)
# What Codex records as the window of its GPT-5 models: 95 % of their 272,000.
CODEX_DEFAULT = 258_400
WINDOWS_NAME = "assistant-windows.json"
KEEP = 50  # conversations remembered


@dataclass(frozen=True)
class Window:
    size: int
    rule: str  # config | statusline | transcript | model | default
    reason: str  # the rule in words, for `git sess status`


def model_window(model: str | None, environ: dict[str, str] | None = None) -> Window:
    """The window the model table gives `model` (rules 4 and 5)."""
    environ = os.environ if environ is None else environ  # type: ignore[assignment]
    if not model:
        return Window(SMALL, "default", "no model recorded yet: 200K assumed")
    wanted = model.strip().lower()
    name = wanted[wanted.find("claude-") :] if "claude-" in wanted else wanted
    large = wanted.endswith(LONG_CONTEXT_SUFFIX) or _family(name) in MILLION_MODELS
    if large and disabled_1m(environ):
        return Window(SMALL, "model", f"{model} held to 200K by {DISABLE_1M}")
    if large:
        return Window(LARGE, "model", f"{model} has a 1M window")
    if SMALL_MODELS.fullmatch(_family(name)):
        return Window(SMALL, "model", f"{model} has a 200K window")
    return Window(SMALL, "default", f"unknown model {model}: 200K assumed")


def _family(name: str) -> str:
    """`claude-sonnet-4-6-20260101` -> `claude-sonnet-4-6`."""
    return MODEL_END.sub("", name, count=1)


def disabled_1m(environ: Any) -> bool:
    value = str(environ.get(DISABLE_1M, "")).strip().lower()
    return value not in ("", "0", "false")


def codex_window(recorded: int | None) -> Window:
    """A Codex rollout states its window (rule 3); before its first response,
    the window of Codex's GPT-5 models is taken (rule 5)."""
    if recorded is not None:
        return Window(
            recorded, "transcript", "recorded in the Codex rollout (model_context_window)"
        )
    return Window(
        CODEX_DEFAULT, "default", f"no window recorded yet: Codex's {CODEX_DEFAULT:,} assumed"
    )


def codex_compact_at(window: int) -> int | None:
    from gitsess.assistant.codex_rollout import compact_at, configured_limit

    return compact_at(window, configured_limit())


def transcript_evidence(tokens: int | None, trigger: str | None, peak: int | None) -> Window | None:
    """What the end of a transcript proves about its window (rule 3)."""
    if tokens is not None and tokens > SMALL:
        return Window(LARGE, "transcript", f"the transcript shows {tokens:,} tokens in context")
    if peak is not None and trigger == "auto" and SMALL_COMPACTION[0] <= peak <= SMALL:
        return Window(
            SMALL, "transcript", f"the transcript was compacted automatically at {peak:,} tokens"
        )
    return None


# --- what was remembered --------------------------------------------------------------


def remembered(state_dir: Path) -> dict[str, dict[str, Any]]:
    """session id -> {"statusline": size, "transcript": size, "model": id}."""
    try:
        found = json.loads((state_dir / WINDOWS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, dict)}


def remember(state_dir: Path, session: str, source: str, size: int, model: str | None) -> None:
    """Keep `size` as what `source` says of `session`'s window; write only on a change."""
    known = remembered(state_dir)
    entry = known.get(session, {})
    if entry.get(source) == size and (model is None or entry.get("model") == model):
        return
    entry = {**entry, source: size, **({"model": model} if model else {})}
    known.pop(session, None)
    known[session] = entry  # the newest last
    kept = dict(list(known.items())[-KEEP:])
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(state_dir / WINDOWS_NAME, json.dumps(kept), durable=False)
    except OSError:
        pass  # a window not remembered is found again from the transcript or the model


def _size(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def from_statusline(
    known: dict[str, dict[str, Any]], session: str | None, model: str | None
) -> Window | None:
    """Rule 2: this conversation's reported window, else the newest reported for
    the same model in this repository."""
    entry = known.get(session or "")
    size = _size(entry.get("statusline")) if entry else None
    if size is not None:
        return Window(size, "statusline", "reported by Claude Code's status line")
    for other in reversed(known.values()):
        size = _size(other.get("statusline"))
        if size is not None and model and other.get("model") == model:
            return Window(size, "statusline", f"reported by Claude Code's status line for {model}")
    return None


# --- the whole rule -------------------------------------------------------------------


def resolve_window(
    state_dir: Path,
    configured: int | None,
    session: str | None,
    model: str | None,
    evidence: Window | None,
) -> Window:
    """The window of the conversation `session`; remembers new evidence for it."""
    if configured is not None:
        return Window(configured, "config", "git config sess.contextWindow")
    known = remembered(state_dir)
    reported = from_statusline(known, session, model)
    if reported is not None:
        return reported
    if evidence is not None:
        if session:
            remember(state_dir, session, "transcript", evidence.size, model)
        return evidence
    entry = known.get(session or "", {})
    size = _size(entry.get("transcript"))
    if size is not None:
        return Window(size, "transcript", "seen earlier in this conversation's transcript")
    return model_window(model)


def window_for(workspace: Workspace, tail: Tail, session: str | None = None) -> Window:
    """The window of the conversation whose transcript ends as `tail` says;
    `session`: the id Claude Code gave (a hook's), else the transcript's."""
    config = workspace.config
    evidence = transcript_evidence(
        tail.context_tokens, tail.compaction_trigger, tail.compaction_peak
    )
    if tail.assistant == CODEX:
        evidence = codex_window(tail.window)
    return resolve_window(
        workspace.repo.state_dir,
        config.context_window if config.context_window_set else None,
        session or tail.session_id,
        tail.model,
        evidence,
    )


def budget_for(workspace: Workspace, tail: Tail, session: str | None = None) -> Budget | None:
    """The budget of that conversation now; None without a reply since the last
    compaction (what the compaction proves is remembered all the same)."""
    window = window_for(workspace, tail, session)
    if tail.context_tokens is None:
        return None
    return Budget(
        tail.context_tokens,
        window.size,
        window_rule=window.rule,
        window_reason=window.reason,
        compact_at=codex_compact_at(window.size) if tail.assistant == CODEX else None,
    )


def window_size(workspace: Workspace, transcript: Path, session: str | None = None) -> int:
    """The window of the conversation in `transcript`, for what drafts record (the
    same rules as the hooks'); the configured one when the file cannot be read."""
    from gitsess.assistant.records import TranscriptError
    from gitsess.assistant.transcript import read_tail

    try:
        return window_for(workspace, read_tail(transcript), session).size
    except (OSError, TranscriptError):
        return workspace.config.context_window
