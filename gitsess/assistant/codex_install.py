"""Putting git-sess's hooks into an OpenAI Codex CLI hooks file, and taking them out.

The file is `.codex/hooks.json` in the repository (Codex loads it in a project
the user trusts), or `$CODEX_HOME/hooks.json` (default `~/.codex/hooks.json`)
for every project. Its shape is Claude Code's `hooks` member, so it is merged
as settings.py merges a Claude Code settings file: the user's other hooks and
keys, their order and the file's indentation stay; a file that is not plain
JSON is refused and left as it is; the previous content is kept as
`<file>.bak`. Codex runs a new or changed hook only once the user has approved
it in its `/hooks` panel: install says so.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from gitsess.assistant.codex_config import codex_config_value, codex_home
from gitsess.assistant.settings import (
    SettingsChange,
    _command,
    _entries,
    _groups,
    _hooks_of,
    _load,
    _save,
)
from gitsess.core.errors import GitSessError
from gitsess.core.files import require_inside
from gitsess.core.repo import Repo, set_excluded

# event -> matcher (None: the event takes none), timeout in seconds, what Codex shows meanwhile
EVENTS: dict[str, tuple[str | None, int, str]] = {
    "SessionStart": ("startup|resume|clear|compact|fork", 30, "Loading session notes"),
    "PreCompact": ("manual|auto", 120, "Writing a git-sess checkpoint"),
    "PostCompact": ("manual|auto", 30, "Keeping the compaction summary"),
    "UserPromptSubmit": (None, 10, "Checking the context left"),
}
APPROVE = (
    "Codex runs new or changed hooks only once you approve them: open Codex and"
    " review them in /hooks"
)
EXCLUDE_MARK = "# git-sess: the backup of a Codex hooks file"
_OURS = re.compile(r"(?:^|[\s/'\"])(?:git[ -]sess|gitsess)\S*['\"]?\s+hook\s+codex\s")


def hooks_path(scope: str, repo: Repo | None) -> Path:
    """The user's file for `--user`, else the repository's (refused when a link
    leads it out of the work tree)."""
    if scope == "user":
        return codex_home() / "hooks.json"
    if repo is None:
        raise GitSessError(
            "the project's Codex hooks are a repository's; this is not one",
            "cd into the repository, or install for every project: --user",
        )
    path = repo.root / ".codex" / "hooks.json"
    require_inside(path, repo.root)
    return path


def is_ours(hook: Any) -> bool:
    command = hook.get("command") if isinstance(hook, dict) else None
    return isinstance(command, str) and bool(_OURS.search(" " + command + " "))


def _without_ours(groups: Any, path: Path, event: str) -> list[Any]:
    kept = []
    for group in _groups(groups, path, event):
        entries = _entries(group)
        others = [hook for hook in entries if not is_ours(hook)]
        if others or not entries:
            kept.append(group if len(others) == len(entries) else {**group, "hooks": others})
    return kept


def install(scope: str, repo: Repo | None) -> SettingsChange:
    path = hooks_path(scope, repo)
    settings, original = _load(path)
    hooks = _hooks_of(settings, path)
    for event, (matcher, timeout, message) in EVENTS.items():
        groups = _without_ours(hooks.get(event, []), path, event)
        group: dict[str, Any] = {} if matcher is None else {"matcher": matcher}
        command = _command(scope, f"hook codex {event}")
        group["hooks"] = [
            {"type": "command", "command": command, "timeout": timeout, "statusMessage": message}
        ]
        hooks[event] = [*groups, group]
    if repo is not None and scope != "user":
        common = Path(repo.git("rev-parse", "--git-common-dir").strip())
        set_excluded(repo.root / common, [EXCLUDE_MARK, "/.codex/*.bak"], present=True)
    change = _save(path, settings, original)
    notes = [APPROVE] if change.changed else []
    if change.changed and scope != "user" and repo is not None and not trusted(repo.root):
        notes.append(
            f"Codex loads a project's hooks only once the project is trusted: {repo.root} is"
            " not yet (Codex asks when it starts there)"
        )
    return SettingsChange(path, change.changed, change.backup, notes)


def uninstall(scope: str, repo: Repo | None) -> SettingsChange:
    """git-sess's hooks out; a file left with nothing in it is removed."""
    path = hooks_path(scope, repo)
    settings, original = _load(path)
    if original is None or "hooks" not in settings:
        return SettingsChange(path, changed=False, backup=None)
    hooks = _hooks_of(settings, path)
    for event in list(hooks):
        groups = _without_ours(hooks[event], path, event)
        if groups:
            hooks[event] = groups
        else:
            del hooks[event]
    if not hooks:
        del settings["hooks"]
    if settings:
        return _save(path, settings, original)
    path.unlink()  # what install made it, nothing of the user's left
    return SettingsChange(path, changed=True, backup=None, removed=True)


def installed_events(scope: str, repo: Repo | None) -> tuple[Path, dict[str, str] | None]:
    """Per event: `ours`, `ours and others`, `others`; None when the file is missing."""
    path = hooks_path(scope, repo)
    if not path.exists():
        return path, None
    settings, _ = _load(path)
    hooks = _hooks_of(settings, path)
    states = {}
    for event in sorted(set(EVENTS) | set(hooks)):
        entries = [h for g in _groups(hooks.get(event, []), path, event) for h in _entries(g)]
        ours = sum(map(is_ours, entries))
        if not entries:
            states[event] = "missing"
        else:
            mixed = "ours and others" if ours else "others"
            states[event] = "ours" if ours == len(entries) else mixed
    return path, states


def trusted(root: Path) -> bool:
    """Whether config.toml marks the project trusted (`[projects."<path>"]`)."""
    projects = codex_config_value("projects")
    if not isinstance(projects, dict):
        return False
    for where in {str(root), str(root.resolve())}:
        entry = projects.get(where)
        if isinstance(entry, dict) and entry.get("trust_level") == "trusted":
            return True
    return False
