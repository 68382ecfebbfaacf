"""Registering `git sess mcp` with Claude Code and Codex (`assistant install --mcp`).

Where, by scope (Claude Code's own `claude mcp add --scope`, and Codex's files):
- project: `.mcp.json` at the top of the work tree (committed, for everyone: it runs
  `git-sess` on PATH) and `.codex/config.toml` (read by Codex in a trusted project);
- user: `mcpServers` of `~/.claude.json` (`$CLAUDE_CONFIG_DIR/.claude.json`) and
  `$CODEX_HOME/config.toml` (`~/.codex/config.toml`);
- local (the default, as for `claude mcp add`): `projects["<work tree>"].mcpServers`
  of `~/.claude.json`, yours alone; Codex has no such scope and gets nothing.
Personal files name this installation's own script, so no shell setup can break it.

The files are the user's, edited as the hook installer edits its settings file
(settings.py): only the member written changes, every other byte is kept, an
invalid file is refused untouched, the previous content is kept as `<file>.bak`.
TOML is edited by codex_toml.py, keeping its comments and layout.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from gitsess.assistant import codex_toml
from gitsess.assistant.settings_json import SettingsChange, load_settings, save_settings
from gitsess.core.errors import GitSessError
from gitsess.core.files import decode_utf8, read_bytes, require_inside, write_atomic
from gitsess.core.repo import Repo

SCOPES = ("local", "project", "user")
SERVER = codex_toml.SERVER


def server_argv(scope: str) -> list[str]:
    """The command an assistant starts: `git-sess mcp` on PATH in a shared file."""
    if scope == "project":
        return ["git-sess", "mcp"]
    script = Path(sys.executable).with_name("git-sess")
    if script.is_file():
        return [str(script), "mcp"]
    return [sys.executable, "-m", "gitsess", "mcp"]


def claude_json() -> Path:
    """Claude Code's own file of user and local settings (not ~/.claude/settings.json)."""
    configured = os.environ.get("CLAUDE_CONFIG_DIR")
    return Path(configured) / ".claude.json" if configured else Path.home() / ".claude.json"


def codex_config(scope: str, repo: Repo | None) -> Path | None:
    if scope == "user":
        home = os.environ.get("CODEX_HOME")
        return (Path(home) if home else Path.home() / ".codex") / "config.toml"
    if scope == "project" and repo is not None:
        return repo.root / ".codex" / "config.toml"
    return None


def install(scope: str, repo: Repo | None) -> list[SettingsChange]:
    root = _root(scope, repo)
    argv = server_argv(scope)
    codex = codex_config(scope, repo)
    _refuse_invalid(codex)  # before any file changes: all of them or none
    entry: dict[str, Any] = {"type": "stdio", "command": argv[0], "args": argv[1:], "env": {}}
    changes = [_claude(scope, root, lambda servers: _put(servers, entry))]
    if codex is None:
        changes[0].notes.append(
            "Codex has no per-project private scope: --scope project or --scope user"
            " registers git sess mcp with Codex too"
        )
    else:
        changes.append(
            _toml(codex, root, lambda path, text: codex_toml.with_server(path, text, argv))
        )
    return changes


def uninstall(scope: str, repo: Repo | None) -> list[SettingsChange]:
    root = _root(scope, repo)
    codex = codex_config(scope, repo)
    _refuse_invalid(codex)
    changes = [_claude(scope, root, lambda servers: servers.pop(SERVER, None))]
    if codex is not None and codex.exists():
        changes.append(_toml(codex, root, codex_toml.without_server))
    return changes


def _refuse_invalid(codex: Path | None) -> None:
    """Refuse now what would be refused half-way (no TOML editor, an invalid file)."""
    if codex is not None:
        text = decode_utf8(read_bytes(codex), str(codex)) if codex.exists() else ""
        codex_toml.parsed(codex, text)


def _root(scope: str, repo: Repo | None) -> Path | None:
    if scope != "user" and repo is None:
        raise GitSessError(
            f"the {scope} scope is a repository's; this is not one",
            "cd into the repository, or register for every project: --scope user",
        )
    return repo.root if repo is not None and scope != "user" else None


def _put(servers: dict[str, Any], entry: dict[str, Any]) -> None:
    """Our entry, keeping what the user added to it (`env`, say)."""
    mine = servers.get(SERVER)
    servers[SERVER] = {**entry, **(mine if isinstance(mine, dict) else {}), **_fixed(entry)}


def _fixed(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: entry[key] for key in ("type", "command", "args")}


def _claude(scope: str, root: Path | None, change: Any) -> SettingsChange:
    """Apply `change` to the `mcpServers` object of the scope's file, and save."""
    if scope == "project":
        assert root is not None
        path = require_inside(root / ".mcp.json", root)
    else:
        path = claude_json()
    settings, original = load_settings(path)
    holder, member = settings, "mcpServers"
    if scope == "local":  # Claude Code keys a project by its directory's path
        projects = _object(settings, "projects", path, "projects")
        holder = _object(projects, str(root), path, f"projects[{json.dumps(str(root))}]")
        member = "projects"
    servers = _object(holder, "mcpServers", path, "mcpServers")
    before = json.dumps(servers, sort_keys=True)
    change(servers)
    if json.dumps(servers, sort_keys=True) == before:
        return SettingsChange(path, changed=False, backup=None)
    return save_settings(path, settings, original, (member,))


def _object(holder: dict[str, Any], key: str, path: Path, shown: str) -> dict[str, Any]:
    found = holder.setdefault(key, {})
    if not isinstance(found, dict):
        raise GitSessError(
            f"{path}: {shown} is not an object; changed nothing",
            f"fix {shown} in {path}: an object of servers by name",
        )
    return found


def _toml(path: Path, root: Path | None, edit: Any) -> SettingsChange:
    if root is not None:
        require_inside(path, root)
    original = decode_utf8(read_bytes(path), str(path)) if path.exists() else None
    text = edit(path, original or "")
    if text == (original or ""):
        return SettingsChange(path, changed=False, backup=None)
    backup = None
    if original is not None:
        backup = path.with_name(path.name + ".bak")
        write_atomic(backup, original)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path.resolve() if path.is_symlink() else path, text)
    return SettingsChange(path, changed=True, backup=backup)
