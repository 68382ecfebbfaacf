"""The `hooks` member that Claude Code's settings files and Codex's hooks.json
share: `{"<Event>": [{"matcher"?, "hooks": [{"type": "command", "command", …}]}]}`.

settings.py (Claude Code) and codex_install.py (Codex) put git-sess's entries
in and take them out through these, so each rule has one home: which entries
are git-sess's (by the command they run), what is kept of a group when ours
leave it (the user's entries, their order, the group's other keys), how a
file that is not of this shape is refused (changed nothing), and what
`git sess assistant status` says per event.
"""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from gitsess.assistant.settings_json import load_settings
from gitsess.core.errors import GitSessError

Ours = Callable[[Any], bool]


def ours_for(assistant: str) -> Ours:
    """Whether a hook entry runs `git sess hook <assistant> …` (however git-sess is
    named: `git sess`, `git-sess`, a path to it, `python -m gitsess`)."""
    pattern = re.compile(rf"(?:^|[\s/'\"])(?:git[ -]sess|gitsess)\S*['\"]?\s+hook\s+{assistant}\s")

    def is_ours(hook: Any) -> bool:
        command = hook.get("command") if isinstance(hook, dict) else None
        return isinstance(command, str) and bool(pattern.search(" " + command + " "))

    return is_ours


def command_for(scope: str, arguments: str) -> str:
    """A shared file is committed, so it names `git sess` on PATH; a personal one
    names this installation's own script, so no shell setup can break it."""
    if scope == "shared":
        return f"git sess {arguments}"
    script = Path(sys.executable).with_name("git-sess")
    if script.is_file():
        return f"{shlex.quote(str(script))} {arguments}"
    return f"{shlex.quote(sys.executable)} -m gitsess {arguments}"


def hooks_of(settings: dict[str, Any], path: Path) -> dict[str, Any]:
    """The file's `hooks` object (added when missing)."""
    hooks = settings.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise GitSessError(
            f'{path}: "hooks" is not an object; changed nothing',
            f'fix "hooks" in {path}: {{"SessionStart": [ … ]}}',
        )
    return hooks


def groups_of(groups: Any, path: Path, event: str) -> list[Any]:
    if not isinstance(groups, list):
        raise GitSessError(
            f'{path}: "hooks.{event}" is not a list; changed nothing',
            f'fix "hooks.{event}" in {path}: a list of {{"matcher", "hooks"}}',
        )
    return groups


def entries_of(group: Any) -> list[Any]:
    hooks = group.get("hooks") if isinstance(group, dict) else None
    return hooks if isinstance(hooks, list) else []


def without_ours(groups: Any, path: Path, event: str, ours: Ours) -> list[Any]:
    """`groups` with git-sess's entries taken out: a group left with none of the
    user's goes; a group without ours stays as it is, to the byte."""
    kept = []
    for group in groups_of(groups, path, event):
        entries = entries_of(group)
        if not any(ours(h) for h in entries):
            kept.append(group)
            continue
        others = [h for h in entries if not ours(h)]
        if others:
            kept.append({**group, "hooks": others})
    return kept


def event_states(
    hooks: dict[str, Any], path: Path, events: Iterable[str], ours: Ours
) -> dict[str, str]:
    """Per event (git-sess's and the file's): `ours`, `ours and others`, `others`
    or `missing`."""
    states = {}
    for event in sorted({*events, *hooks}):
        entries = [h for g in groups_of(hooks.get(event, []), path, event) for h in entries_of(g)]
        mine = any(ours(h) for h in entries)
        others = any(not ours(h) for h in entries)
        said = "ours and others" if mine and others else "ours" if mine else "others"
        states[event] = said if entries else "missing"
    return states


def installed_states(path: Path, events: Iterable[str], ours: Ours) -> dict[str, str] | None:
    """`event_states` of the hooks file at `path`; None when there is no such file."""
    if not path.exists():
        return None
    settings, _ = load_settings(path)
    return event_states(hooks_of(settings, path), path, events, ours)
