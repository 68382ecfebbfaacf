"""Putting git-sess's hooks (and its status line) into a Claude Code settings
file, and taking them out.

The file is the user's: other keys, other hooks and their order stay; only
its `hooks` and `statusLine` members are rewritten, in its own indentation,
every other byte kept; a user's own status line is never replaced; a file that
is not plain JSON (Claude Code reads no comments) is refused, never
overwritten; the previous content is kept beside it as `<file>.bak` before
every change. A file that install created is removed by the uninstall that
leaves it empty (which files it created is kept beside git-sess's caches).
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitsess.assistant.hook_entries import (
    command_for,
    entries_of,
    hooks_of,
    installed_states,
    ours_for,
    without_ours,
)
from gitsess.assistant.locating import claude_home
from gitsess.assistant.plugin_enabled import plugin_enabled_in
from gitsess.assistant.settings_json import (
    OWN_KEYS,
    SettingsChange,
    load_settings,
    save_settings,
)
from gitsess.core.errors import GitSessError
from gitsess.core.files import require_inside, write_atomic
from gitsess.core.repo import Repo, set_excluded

SCOPES = ("local", "shared", "user")
# event -> matcher (None: the event takes none)
MATCHERS: dict[str, str | None] = {
    # `fork` since Claude Code 2.1.214 (a fork was reported as `resume` before).
    "SessionStart": "startup|resume|clear|compact|fork",
    "PreCompact": "manual|auto",
    "PostCompact": "manual|auto",
    "UserPromptSubmit": None,
    "SessionEnd": None,
}
TIMEOUTS = {
    "SessionStart": 30,
    "PreCompact": 120,
    "PostCompact": 30,
    "UserPromptSubmit": 10,
    "SessionEnd": 60,
}
CREATED_NAME = "claude-settings-created.json"
EXCLUDE_MARK = "# git-sess: Claude Code settings that are this clone's alone"
_OUR_STATUS = re.compile(r"(?:^|[\s/'\"])(?:git[ -]sess|gitsess)\S*['\"]?\s+statusline(?:\s|$)")


def settings_path(scope: str, root: Path | None) -> Path:
    """`root` (the work tree) is needed for the local and shared files."""
    if scope == "user":
        return claude_home() / "settings.json"
    if root is None:
        raise GitSessError(
            f"the {scope} settings are a repository's; this is not one",
            "cd into the repository, or install for every project: --user",
        )
    name = "settings.local.json" if scope == "local" else "settings.json"
    return root / ".claude" / name


def _checked_path(scope: str, repo: Repo | None) -> Path:
    """The settings file of `scope`, refused when it is in the work tree but a
    symbolic link (of the file or of `.claude`) leads out of it: a cloned
    repository must not make install rewrite, or copy into a `.bak`, a file
    elsewhere. The user's own file may be a link (to a dotfiles repository)."""
    path = settings_path(scope, repo.root if repo else None)
    if scope != "user" and repo is not None:
        require_inside(path, repo.root)
    return path


def hook_command(scope: str, event: str) -> str:
    return command_for(scope, f"hook claude {event}")


def hook_group(event: str, command: str) -> dict[str, Any]:
    """The one group install adds to `event` (the plugin's hooks/hooks.json too)."""
    group: dict[str, Any] = {} if MATCHERS[event] is None else {"matcher": MATCHERS[event]}
    group["hooks"] = [{"type": "command", "command": command, "timeout": TIMEOUTS[event]}]
    return group


def statusline_command(scope: str) -> str:
    return command_for(scope, "statusline")


is_ours = ours_for("claude")


def is_our_status_line(setting: Any) -> bool:
    command = setting.get("command") if isinstance(setting, dict) else None
    return isinstance(command, str) and bool(_OUR_STATUS.search(" " + command + " "))


def install(scope: str, repo: Repo | None) -> SettingsChange:
    path = _checked_path(scope, repo)
    settings, original = load_settings(path)
    notes = _twice(scope, repo)
    hooks = hooks_of(settings, path)
    for event in MATCHERS:
        groups = without_ours(hooks.get(event, []), path, event, is_ours)
        hooks[event] = [*groups, hook_group(event, hook_command(scope, event))]
    line = settings.get("statusLine")
    if line is None or is_our_status_line(line):
        # The shape Claude Code reads: it passes the session's JSON on stdin.
        settings["statusLine"] = {"type": "command", "command": statusline_command(scope)}
    else:
        notes.append(
            f"{path} has a status line of its own, kept: to see git-sess's (zone, context"
            f' left, last export) set "statusLine" to {{"type": "command", "command":'
            f' "{statusline_command(scope)}"}}'
        )
    if repo is not None and scope != "user":
        _exclude_personal_files(repo)
    change = save_settings(path, settings, original)
    if original is None and change.changed:
        _remember_created(scope, repo, path, created=True)
    return SettingsChange(change.path, change.changed, change.backup, notes)


def _twice(scope: str, repo: Repo | None) -> list[str]:
    """A word for each other scope's file that already has git-sess's hooks, and
    for git-sess's plugin: Claude Code runs the hooks of every file and plugin,
    so each would run twice."""
    notes = []
    for state in scope_states(repo):
        if state.scope == scope or not state.events:
            continue
        if any(said.startswith("ours") for said in state.events.values()):
            notes.append(
                f"the {state.scope} settings ({state.path}) have git-sess's hooks too:"
                " Claude Code would run each twice; keep one:"
                f" git sess assistant uninstall --{state.scope}"
            )
    plugin = plugin_enabled_in(repo.root if repo else None)
    if plugin is not None:
        notes.append(
            f"the git-sess plugin is enabled in {plugin}: it runs the same hooks, so Claude"
            f" Code would run each twice; keep one: git sess assistant uninstall --{scope}"
        )
    return notes


def _exclude_personal_files(repo: Repo) -> None:
    """As Claude Code does for the local file: it names this machine's git-sess,
    and a backup is no one else's business either."""
    common = Path(repo.git("rev-parse", "--git-common-dir").strip())
    patterns = ["/.claude/settings.local.json", "/.claude/*.bak"]
    set_excluded(repo.root / common, [EXCLUDE_MARK, *patterns], present=True)


def uninstall(scope: str, repo: Repo | None) -> SettingsChange:
    path = _checked_path(scope, repo)
    settings, original = load_settings(path)
    if is_our_status_line(settings.get("statusLine")):
        del settings["statusLine"]
    if "hooks" not in settings:  # never installed: the file stays as it is
        return _save_or_remove(scope, repo, path, settings, original)
    hooks = hooks_of(settings, path)
    for event in list(hooks):
        groups = without_ours(hooks[event], path, event, is_ours)
        if groups == hooks[event]:
            continue
        if groups:
            hooks[event] = groups
        else:
            del hooks[event]  # what install added, it takes away
            if not hooks:
                del settings["hooks"]
    return _save_or_remove(scope, repo, path, settings, original)


def _save_or_remove(
    scope: str, repo: Repo | None, path: Path, settings: dict[str, Any], original: str | None
) -> SettingsChange:
    """Saved; or, a file install created and nothing is left in, removed (the
    backup of it too: it held only what install wrote)."""
    if original is None:  # no file: nothing to take out
        return SettingsChange(path, changed=False, backup=None)
    if settings or not _remember_created(scope, repo, path, created=None):
        return save_settings(path, settings, original)
    (path.resolve() if path.is_symlink() else path).unlink()
    backup = path.with_name(path.name + ".bak")
    if _only_ours(backup):  # an earlier state of what install wrote: nothing of the user's
        backup.unlink()
    _remember_created(scope, repo, path, created=False)
    return SettingsChange(path, changed=True, backup=None, removed=True)


def _only_ours(path: Path) -> bool:
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(settings, dict) or set(settings) - set(OWN_KEYS):
        return False
    hooks = settings.get("hooks", {})
    if not isinstance(hooks, dict) or not all(isinstance(g, list) for g in hooks.values()):
        return False
    entries = [h for groups in hooks.values() for g in groups for h in entries_of(g)]
    line = settings.get("statusLine")
    return all(map(is_ours, entries)) and (line is None or is_our_status_line(line))


def _remember_created(scope: str, repo: Repo | None, path: Path, created: bool | None) -> bool:
    """Whether install created the settings file `path`; `created` records it
    (True) or forgets it (False). Kept with git-sess's caches of the repository
    (under Claude Code's own directory for the user's file)."""
    record = claude_home() / f"git-sess-{CREATED_NAME}"
    if scope != "user" and repo is not None:
        record = repo.state_dir / CREATED_NAME
    try:
        known = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        known = []
    known = [k for k in known if isinstance(k, str)] if isinstance(known, list) else []
    key = str(path.absolute())
    if created is None:
        return key in known
    wanted = [k for k in known if k != key] + ([key] if created else [])
    if wanted != known:
        with contextlib.suppress(OSError):  # a record not kept only keeps a file
            record.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(record, json.dumps(wanted) + "\n")
    return created


def installed_events(scope: str, repo: Repo | None) -> tuple[Path, dict[str, str] | None]:
    """Per event: `ours`, `ours and others`, `others`; None when the file is missing."""
    path = _checked_path(scope, repo)
    return path, installed_states(path, MATCHERS, is_ours)


@dataclass(frozen=True)
class ScopeState:
    """One settings file git sess may write, as `git sess assistant status` shows it."""

    scope: str
    path: Path
    events: dict[str, str] | None  # every event: ours, others, … or missing; None: no file
    error: str | None = None  # why the file cannot be read


def scope_states(repo: Repo | None) -> list[ScopeState]:
    """Each scope's file and its hooks; outside a repository, the user file alone."""
    states = []
    for scope in SCOPES if repo else ("user",):
        try:
            path, found = installed_events(scope, repo)
        except GitSessError as error:  # the other files are still worth showing
            path = settings_path(scope, repo.root if repo else None)
            states.append(ScopeState(scope, path, None, error.message))
            continue
        states.append(ScopeState(scope, path, found))
    return states
