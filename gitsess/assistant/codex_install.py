"""Putting git-sess's hooks into an OpenAI Codex CLI hooks file, and taking them out.

The file is `.codex/hooks.json` in the repository (Codex loads it in a project
the user trusts), or `$CODEX_HOME/hooks.json` (default `~/.codex/hooks.json`)
for every project. Its shape is Claude Code's `hooks` member, so it is merged
by the rules settings.py uses for a Claude Code settings file (hook_entries.py,
settings_json.py): the user's other hooks and keys, their order and the file's
indentation stay; a file that is not plain JSON is refused and left as it is;
the previous content is kept as `<file>.bak`. The events are Claude Code's
five; installing again adds one an older install lacks (SessionEnd). Codex
runs a new or changed hook only once the user has approved it in its `/hooks`
panel: install says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitsess.assistant.codex_config import codex_config_value, codex_home
from gitsess.assistant.hook_entries import (
    command_for,
    hooks_of,
    installed_states,
    ours_for,
    without_ours,
)
from gitsess.assistant.settings import MATCHERS, TIMEOUTS
from gitsess.assistant.settings_json import SettingsChange, load_settings, save_settings
from gitsess.core.errors import GitSessError
from gitsess.core.files import require_inside
from gitsess.core.repo import Repo, set_excluded

# What Codex shows while each hook runs; the events, matchers and timeouts are those
# of Claude Code's hooks (settings.py), Codex 0.171 having each of these events.
MESSAGES = {
    "SessionStart": "Loading session notes",
    "PreCompact": "Writing a git-sess checkpoint",
    "PostCompact": "Keeping the compaction summary",
    "UserPromptSubmit": "Checking the context left",
    "SessionEnd": "Ending the session (a checkpoint if sess.checkpointOnEnd)",
}
# event -> matcher (None: the event takes none), timeout in seconds, what Codex shows meanwhile
EVENTS: dict[str, tuple[str | None, int, str]] = {
    event: (MATCHERS[event], TIMEOUTS[event], MESSAGES[event]) for event in MATCHERS
}
APPROVE = (
    "Codex runs new or changed hooks only once you approve them: open Codex and"
    " review them in /hooks"
)
EXCLUDE_MARK = "# git-sess: the backup of a Codex hooks file"


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


is_ours = ours_for("codex")


def install(scope: str, repo: Repo | None) -> SettingsChange:
    path = hooks_path(scope, repo)
    settings, original = load_settings(path)
    hooks = hooks_of(settings, path)
    for event, (matcher, timeout, message) in EVENTS.items():
        groups = without_ours(hooks.get(event, []), path, event, is_ours)
        group: dict[str, Any] = {} if matcher is None else {"matcher": matcher}
        command = command_for(scope, f"hook codex {event}")
        group["hooks"] = [
            {"type": "command", "command": command, "timeout": timeout, "statusMessage": message}
        ]
        hooks[event] = [*groups, group]
    if repo is not None and scope != "user":
        common = Path(repo.git("rev-parse", "--git-common-dir").strip())
        set_excluded(repo.root / common, [EXCLUDE_MARK, "/.codex/*.bak"], present=True)
    change = save_settings(path, settings, original)
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
    settings, original = load_settings(path)
    if original is None or "hooks" not in settings:
        return SettingsChange(path, changed=False, backup=None)
    hooks = hooks_of(settings, path)
    for event in list(hooks):
        groups = without_ours(hooks[event], path, event, is_ours)
        if groups:
            hooks[event] = groups
        else:
            del hooks[event]
    if not hooks:
        del settings["hooks"]
    if settings:
        return save_settings(path, settings, original)
    path.unlink()  # what install made it, nothing of the user's left
    return SettingsChange(path, changed=True, backup=None, removed=True)


def installed_events(scope: str, repo: Repo | None) -> tuple[Path, dict[str, str] | None]:
    """Per event: `ours`, `ours and others`, `others`; None when the file is missing."""
    path = hooks_path(scope, repo)
    return path, installed_states(path, EVENTS, is_ours)


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
