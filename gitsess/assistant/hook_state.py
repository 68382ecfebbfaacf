"""What the assistant hooks remember between runs, under the git directory: the
zones already warned of per conversation (UserPromptSubmit says each once), and
what a hook that must print nothing had to tell the user, for the next hook
that may speak.

A hook that must print nothing: Claude Code's PreCompact (Claude Code appends
its output to the instructions of the compaction), and whatever an assistant
does not show (Codex's PreCompact and SessionEnd). Its notices (where the
checkpoint is) and warnings (a setting that cannot be used) wait here, by
conversation; the next hook of that conversation that may speak (PostCompact,
SessionStart, UserPromptSubmit) shows them once, and a new conversation's
SessionStart shows those of conversations that never spoke again (ended).
"""

from __future__ import annotations

import json
from typing import Any

from gitsess.core.files import exclusive_lock, write_atomic
from gitsess.core.workspace import Workspace

WARNED_NAME = "assistant-warned.json"
PENDING_NAME = "assistant-pending.json"
LOCK_NAME = "assistant.lock"
KEPT_SESSIONS = 50  # the conversations remembered, most recent last
KEPT_LINES = 10  # the lines kept for one conversation, the newest


def first_warning(workspace: Workspace, session: str, zone: str) -> bool:
    """True the first time `zone` is reached in `session`; remembers it."""
    with exclusive_lock(workspace.repo.state_dir / LOCK_NAME, 2.0):
        warned = _read(workspace, WARNED_NAME)
        if zone in warned.get(session, []):
            return False
        warned[session] = [*warned.pop(session, []), zone]
        _write(workspace, WARNED_NAME, warned)
        return True


def forget_warnings(workspace: Workspace, session: str) -> None:
    """The conversation's zones are due again (its context is small again)."""
    if session not in _read(workspace, WARNED_NAME):  # the usual case: no lock, no write
        return
    with exclusive_lock(workspace.repo.state_dir / LOCK_NAME, 2.0):
        warned = _read(workspace, WARNED_NAME)
        warned.pop(session, None)
        _write(workspace, WARNED_NAME, warned)


def defer(workspace: Workspace, session: str, lines: list[str]) -> None:
    """Keep `lines` for the next hook of `session` that may speak."""
    if not lines:
        return
    with exclusive_lock(workspace.repo.state_dir / LOCK_NAME, 2.0):
        pending = _read(workspace, PENDING_NAME)
        kept = [*pending.pop(session, []), *lines]
        pending[session] = list(dict.fromkeys(kept))[-KEPT_LINES:]
        _write(workspace, PENDING_NAME, pending)


def take(workspace: Workspace, session: str, *, every: bool = False) -> list[str]:
    """What was kept for `session` (`every`: for every conversation), forgotten now."""
    pending = _read(workspace, PENDING_NAME)
    if not pending or (not every and session not in pending):  # the usual case: no lock
        return []
    with exclusive_lock(workspace.repo.state_dir / LOCK_NAME, 2.0):
        pending = _read(workspace, PENDING_NAME)
        sessions = list(pending) if every else [session]
        taken = [line for key in sessions for line in pending.pop(key, [])]
        _write(workspace, PENDING_NAME, pending)
    return list(dict.fromkeys(taken))


def _read(workspace: Workspace, name: str) -> dict[str, list[str]]:
    try:
        found: Any = json.loads((workspace.repo.state_dir / name).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {
        key: [line for line in value if isinstance(line, str)]
        for key, value in found.items()
        if isinstance(key, str) and isinstance(value, list)
    }


def _write(workspace: Workspace, name: str, state: dict[str, list[str]]) -> None:
    kept = dict(list(state.items())[-KEPT_SESSIONS:])  # the most recent conversations
    write_atomic(workspace.repo.state_dir / name, json.dumps(kept), durable=False)
