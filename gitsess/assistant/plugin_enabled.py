"""Whether Claude Code has git-sess's plugin enabled here: its hooks are the ones
`git sess assistant install` writes, and Claude Code runs the hooks of the plugin
and of every settings file, so with both each would run twice.

Claude Code records the plugin in a settings file's `enabledPlugins`
(`"git-sess@<marketplace>": true`), the local file before the project's
before the user's: the most specific file that names it decides. Only read
here, never written; a file that cannot be read says nothing (the settings
installer reports those).
"""

from __future__ import annotations

import json
from pathlib import Path

from gitsess.assistant.locating import claude_home

PLUGIN = "git-sess"


def plugin_enabled_in(root: Path | None) -> Path | None:
    """The settings file that enables the plugin for the work tree `root`
    (None: the user's file alone), or None when it is not enabled."""
    files = [claude_home() / "settings.json"]
    if root is not None:
        project = root / ".claude"
        files = [project / "settings.local.json", project / "settings.json", *files]
    for path in files:
        said = _said(path)
        if said is not None:
            return path if said else None
    return None


def _said(path: Path) -> bool | None:
    """What `path` says of the plugin: enabled, disabled, or nothing."""
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    plugins = settings.get("enabledPlugins") if isinstance(settings, dict) else None
    if not isinstance(plugins, dict):
        return None
    values = [value for key, value in plugins.items() if key.split("@")[0] == PLUGIN]
    return any(value is True for value in values) if values else None
