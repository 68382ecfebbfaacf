"""Where OpenAI Codex CLI keeps its files (`$CODEX_HOME`, default `~/.codex`),
and the one setting of its `config.toml` git-sess reads.

Python reads TOML from 3.11 on (tomllib, imported here only); on 3.10 the
setting is taken as unset, which is Codex's own default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def codex_home() -> Path:
    configured = os.environ.get("CODEX_HOME", "").strip()
    return Path(configured).expanduser() if configured else Path.home() / ".codex"


def codex_config_value(key: str) -> Any:
    """A top-level key of `$CODEX_HOME/config.toml`; None when the file, the
    key or a TOML reader is missing, or the file is not TOML (Codex says so itself).
    A file that does not name the key is not parsed: `status` reads this each time."""
    try:
        data = (codex_home() / "config.toml").read_bytes()
    except OSError:
        return None
    if key.encode() not in data:
        return None
    try:
        import tomllib
    except ImportError:  # Python 3.10
        return None
    try:
        return tomllib.loads(data.decode("utf-8")).get(key)
    except (ValueError, RecursionError):
        return None
