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
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitsess.assistant.locating import claude_home
from gitsess.assistant.plugin_enabled import plugin_enabled_in
from gitsess.assistant.settings_json import DuplicateKey, line_of_second, parse_json
from gitsess.core.errors import GitSessError
from gitsess.core.files import decode_utf8, read_bytes, require_inside, write_atomic
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
OWN_KEYS = ("hooks", "statusLine")  # the members of the file install and uninstall write
CREATED_NAME = "claude-settings-created.json"
EXCLUDE_MARK = "# git-sess: Claude Code settings that are this clone's alone"
_OURS = re.compile(r"(?:^|[\s/'\"])(?:git[ -]sess|gitsess)\S*['\"]?\s+hook\s+claude\s")
_OUR_STATUS = re.compile(r"(?:^|[\s/'\"])(?:git[ -]sess|gitsess)\S*['\"]?\s+statusline(?:\s|$)")


@dataclass(frozen=True)
class SettingsChange:
    path: Path
    changed: bool
    backup: Path | None
    notes: list[str] = field(default_factory=list)  # what the user should know
    removed: bool = False  # the file install had created is gone again


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
    return _command(scope, f"hook claude {event}")


def hook_group(event: str, command: str) -> dict[str, Any]:
    """The one group install adds to `event` (the plugin's hooks/hooks.json too)."""
    group: dict[str, Any] = {} if MATCHERS[event] is None else {"matcher": MATCHERS[event]}
    group["hooks"] = [{"type": "command", "command": command, "timeout": TIMEOUTS[event]}]
    return group


def statusline_command(scope: str) -> str:
    return _command(scope, "statusline")


def _command(scope: str, arguments: str) -> str:
    """A shared file is committed, so it names `git sess` on PATH; a personal one
    names this installation's own script, so no shell setup can break it."""
    if scope == "shared":
        return f"git sess {arguments}"
    script = Path(sys.executable).with_name("git-sess")
    if script.is_file():
        return f"{shlex.quote(str(script))} {arguments}"
    return f"{shlex.quote(sys.executable)} -m gitsess {arguments}"


def is_ours(hook: Any) -> bool:
    command = hook.get("command") if isinstance(hook, dict) else None
    return isinstance(command, str) and bool(_OURS.search(" " + command + " "))


def is_our_status_line(setting: Any) -> bool:
    command = setting.get("command") if isinstance(setting, dict) else None
    return isinstance(command, str) and bool(_OUR_STATUS.search(" " + command + " "))


def install(scope: str, repo: Repo | None) -> SettingsChange:
    path = _checked_path(scope, repo)
    settings, original = _load(path)
    notes = _twice(scope, repo)
    hooks = _hooks_of(settings, path)
    for event in MATCHERS:
        groups = _without_ours(hooks.get(event, []), path, event)
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
    change = _save(path, settings, original)
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
    settings, original = _load(path)
    if is_our_status_line(settings.get("statusLine")):
        del settings["statusLine"]
    if "hooks" not in settings:  # never installed: the file stays as it is
        return _save_or_remove(scope, repo, path, settings, original)
    hooks = _hooks_of(settings, path)
    for event in list(hooks):
        groups = _without_ours(hooks[event], path, event)
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
        return _save(path, settings, original)
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
    entries = [h for groups in hooks.values() for g in groups for h in _entries(g)]
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
    if not path.exists():
        return path, None
    settings, _ = _load(path)
    hooks = _hooks_of(settings, path)
    states = {}
    for event in sorted(set(MATCHERS) | set(hooks)):
        entries = [h for g in _groups(hooks.get(event, []), path, event) for h in _entries(g)]
        ours = any(is_ours(h) for h in entries)
        others = any(not is_ours(h) for h in entries)
        if ours or others:
            states[event] = "ours and others" if ours and others else "ours" if ours else "others"
    return path, states


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
        events = None
        if found is not None:
            events = {event: found.get(event, "missing") for event in sorted({*MATCHERS, *found})}
        states.append(ScopeState(scope, path, events))
    return states


# --- reading and writing the file (also the MCP registrations': mcp_config.py) --------


BOM = "\ufeff"  # kept where the file has one: every other byte stays, this one too


def _load(path: Path) -> tuple[dict[str, Any], str | None]:
    """The settings and the file's text (with its byte-order mark, if any)."""
    if not path.exists():
        return {}, None
    data = read_bytes(path)
    text = decode_utf8(data, str(path))
    try:
        settings = parse_json(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        comments = re.search(r"(?:^|[\s{,\[])//|/\*", text)
        raise GitSessError(
            f"{path}:{error.lineno}: not valid JSON ({error.msg}); changed nothing",
            "Claude Code settings are plain JSON: remove the comments and try again"
            if comments
            else f"fix line {error.lineno} of {path} and try again",
        ) from None
    except RecursionError:
        raise GitSessError(
            f"{path}: JSON nested too deep to read; changed nothing",
            f"fix {path}: Claude Code settings nest a few levels, not hundreds",
        ) from None
    except DuplicateKey as duplicate:
        where = line_of_second(text, duplicate.key)
        raise GitSessError(
            f"{path}{where}: the key {json.dumps(duplicate.key)} appears twice in one object;"
            " changed nothing",
            f"merge the two into one in {path} (a JSON reader keeps only the last)",
        ) from None
    if not isinstance(settings, dict):
        raise GitSessError(
            f"{path}: the settings are not a JSON object; changed nothing",
            f"make {path} an object: {{}}",
        )
    return settings, (BOM + text if data.startswith(b"\xef\xbb\xbf") else text)


def _hooks_of(settings: dict[str, Any], path: Path) -> dict[str, Any]:
    hooks = settings.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise GitSessError(
            f'{path}: "hooks" is not an object; changed nothing',
            f'fix "hooks" in {path}: {{"SessionStart": [ … ]}}',
        )
    return hooks


def _groups(groups: Any, path: Path, event: str) -> list[Any]:
    if not isinstance(groups, list):
        raise GitSessError(
            f'{path}: "hooks.{event}" is not a list; changed nothing',
            f'fix "hooks.{event}" in {path}: a list of {{"matcher", "hooks"}}',
        )
    return groups


def _entries(group: Any) -> list[Any]:
    hooks = group.get("hooks") if isinstance(group, dict) else None
    return hooks if isinstance(hooks, list) else []


def _without_ours(groups: Any, path: Path, event: str) -> list[Any]:
    kept = []
    for group in _groups(groups, path, event):
        entries = _entries(group)
        if not any(is_ours(h) for h in entries):
            kept.append(group)
            continue
        others = [h for h in entries if not is_ours(h)]
        if others:
            kept.append({**group, "hooks": others})
    return kept


def _save(
    path: Path, settings: dict[str, Any], original: str | None, keys: tuple[str, ...] = OWN_KEYS
) -> SettingsChange:
    mark = BOM if original is not None and original.startswith(BOM) else ""
    content = original.removeprefix(BOM) if original is not None else None
    if content is not None and (json.loads(content) if content.strip() else {}) == settings:
        return SettingsChange(path, changed=False, backup=None)
    text = mark + _with_members(content if content and content.strip() else None, settings, keys)
    backup = None
    path.parent.mkdir(parents=True, exist_ok=True)
    if original is not None:
        backup = path.with_name(path.name + ".bak")
        write_atomic(backup, original)
    # A settings file linked from a dotfiles repository stays a link: write its target.
    write_atomic(path.resolve() if path.is_symlink() else path, text)
    return SettingsChange(path, changed=True, backup=backup)


def _with_members(original: str | None, settings: dict[str, Any], keys: tuple[str, ...]) -> str:
    """The file with only its `hooks` and `statusLine` members rewritten: the
    rest keeps its bytes. Anything unusual (a duplicate key) gets the whole file
    re-serialized."""
    indent = _indent_of(original)
    whole = json.dumps(settings, indent=indent, ensure_ascii=False) + "\n"
    text = original or ""
    try:
        for key in keys:
            text = _with_member(text, key, settings.get(key, _MISSING), indent)
        return text if json.loads(text) == settings else whole
    except (ValueError, IndexError):
        return whole


_MISSING = object()


def _with_member(text: str, key: str, value: Any, indent: int | str) -> str:
    """`text` with the top-level member `key` set to `value` (taken out: _MISSING)."""
    members, closing = _members(text)
    present = value is not _MISSING
    if key not in members and not present:
        return text
    rendered = ""
    if present:
        lead = _line_indent(text, members[key][0]) if key in members else _unit(indent)
        rendered = json.dumps(value, indent=indent, ensure_ascii=False).replace("\n", "\n" + lead)
    if key in members and present:
        _, start, end = members[key]
        return text[:start] + rendered + text[end:]
    if key in members:  # taken out
        if len(members) == 1:  # and nothing else was there
            return text[: text.index("{")] + "{}" + text[closing + 1 :]
        key_start, _, end = members[key]  # taken out whole, with the comma that joined it
        before = text.rfind(",", 0, key_start) if text[:key_start].rstrip().endswith(",") else -1
        if before >= 0:
            return text[:before] + text[end:]
        after = re.match(r"\s*,\s*", text[end:])
        return text[:key_start] + text[end + (after.end() if after else 0) :]
    last = max((end for _, _, end in members.values()), default=None)
    member = f"{_unit(indent)}{json.dumps(key)}: {rendered}"  # a new last member
    if last is None:
        return text[:closing].rstrip() + "\n" + member + "\n" + text[closing:]
    # A closing brace on the last member's line goes on a line of its own.
    newline = "" if "\n" in text[last:closing] else "\n"
    return text[:last] + ",\n" + member + newline + text[last:]


def _members(text: str) -> tuple[dict[str, tuple[int, int, int]], int]:
    """Each top-level key -> (where its key starts, its value starts, ends), and
    where the closing brace is. ValueError for a duplicate key or no object."""
    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    if text[position] != "{":
        raise ValueError("not an object")
    members: dict[str, tuple[int, int, int]] = {}
    position = _skip(text, position + 1)
    while text[position] != "}":
        key_start = position
        key, position = json.decoder.scanstring(text, position + 1)  # type: ignore[attr-defined]
        position = _skip(text, position)
        if text[position] != ":" or key in members:
            raise ValueError("not one member per key")
        start = _skip(text, position + 1)
        _, end = decoder.raw_decode(text, start)
        members[key] = (key_start, start, end)
        position = _skip(text, end)
        if text[position] == ",":
            position = _skip(text, position + 1)
    return members, position


def _skip(text: str, position: int) -> int:
    return len(text) - len(text[position:].lstrip()) if position < len(text) else position


def _line_indent(text: str, position: int) -> str:
    line = text[text.rfind("\n", 0, position) + 1 : position]
    return line[: len(line) - len(line.lstrip())]


def _unit(indent: int | str) -> str:
    return indent if isinstance(indent, str) else " " * indent


def _indent_of(text: str | None) -> int | str:
    match = re.search(r"\n([ \t]+)\S", text or "")
    if match is None:
        return 2
    found = match.group(1)
    return found if "\t" in found else len(found)
