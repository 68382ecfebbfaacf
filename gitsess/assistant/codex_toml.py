"""Codex's `config.toml`: the `[mcp_servers.git-sess]` table put in and taken out.

The one module that imports tomlkit (in the `mcp` extra with the MCP SDK): it
parses TOML keeping every comment, blank line, order and quoting of the file,
so only the table of git-sess changes. A file that is not valid TOML, or whose
`mcp_servers` is not a table, is refused and left as it is. Keys the user added
to git-sess's own table (`env`, `enabled_tools`, timeouts) are kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitsess.core.errors import GitSessError

SERVER = "git-sess"
INSTALL_HINT = "pip install 'git-sess[mcp]' (the MCP SDK and a TOML editor, an optional extra)"


def _tomlkit() -> Any:
    try:
        import tomlkit
    except ModuleNotFoundError:
        raise GitSessError(
            "registering git sess mcp with Codex needs tomlkit, which is not installed",
            INSTALL_HINT,
        ) from None
    return tomlkit


def parsed(path: Path, text: str) -> Any:
    """The document of `text` (the file at `path`), refused when it is not valid TOML
    or `mcp_servers` is not a table."""
    tomlkit = _tomlkit()
    try:
        document = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as error:
        raise GitSessError(
            f"{path}:{error.line}: not valid TOML ({_reason(error)}); changed nothing",
            f"fix line {error.line} of {path} and try again",
        ) from None
    servers = document.get("mcp_servers")
    if servers is not None and not isinstance(servers, dict):
        raise GitSessError(
            f"{path}: mcp_servers is not a table; changed nothing",
            f"make it one in {path}: [mcp_servers.NAME] tables",
        )
    entry = servers.get(SERVER) if servers is not None else None
    if entry is not None and not isinstance(entry, dict):
        raise GitSessError(
            f"{path}: mcp_servers.{SERVER} is not a table; changed nothing",
            f"remove mcp_servers.{SERVER} from {path}, then install again",
        )
    return document


def with_server(path: Path, text: str, argv: list[str]) -> str:
    """`text` with `[mcp_servers.git-sess]` running `argv` (its other keys kept)."""
    tomlkit = _tomlkit()
    document = parsed(path, text)
    servers = document.get("mcp_servers")
    if servers is None:
        servers = tomlkit.table(is_super_table=True)
        document["mcp_servers"] = servers
    entry = servers.get(SERVER)
    if entry is None:
        entry = tomlkit.table()
        servers[SERVER] = entry
    if entry.get("command") != argv[0]:
        entry["command"] = argv[0]
    if list(entry.get("args", [None])) != argv[1:]:
        entry["args"] = argv[1:]
    return str(tomlkit.dumps(document))


def without_server(path: Path, text: str) -> str:
    """`text` without `[mcp_servers.git-sess]` (an `mcp_servers` left empty goes too)."""
    tomlkit = _tomlkit()
    document = parsed(path, text)
    servers = document.get("mcp_servers")
    if servers is None or SERVER not in servers:
        return text
    del servers[SERVER]
    if not servers:
        del document["mcp_servers"]
    return str(tomlkit.dumps(document))


def has_server(path: Path, text: str) -> bool:
    servers = parsed(path, text).get("mcp_servers")
    return servers is not None and SERVER in servers


def _reason(error: Exception) -> str:
    """tomlkit's message without the ` at line L col C` it ends with (said apart)."""
    message = str(error)
    return message.rsplit(" at line ", 1)[0] if " at line " in message else message
