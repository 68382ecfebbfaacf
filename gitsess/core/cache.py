"""Caches under `git rev-parse --git-path gitsess/`: keyed by the code that wrote them.

Every cache file carries a key made of the package's version and a signature of
every one of its modules, subpackages included, so an upgrade or an edit never
serves what the old code produced. A cache is an optimisation only: an
unreadable or foreign one reads as empty, and a failed write is ignored.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

from gitsess import __version__
from gitsess.core.errors import GitSessError
from gitsess.core.files import write_atomic
from gitsess.core.names import is_utf8

PACKAGE = Path(__file__).resolve().parent.parent  # gitsess/


class Fingerprinted(Protocol):
    """What `cached_output` needs of a catalog: which exports, in which directory."""

    @property
    def fingerprint(self) -> str: ...

    @property
    def sessions_dir(self) -> str: ...


def stat_signature(stat: os.stat_result) -> str:
    """Size, mtime and inode: what changes when a file is rewritten."""
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"


@functools.cache
def code_stamp() -> str:
    """Changes whenever any module of the package does (an upgrade, an edit).

    Every module is stamped: cached parses and outputs come from code all over
    it, and a changed module must never serve what the old one produced (an
    editable install keeps its version number). Every hook run computes it,
    so it walks with `scandir`, whose entries carry their own `stat`.
    """
    return ":".join(["3", __version__, *sorted(_module_stamps(str(PACKAGE), ""))])


def _module_stamps(directory: str, prefix: str) -> Iterator[str]:
    for entry in os.scandir(directory):
        if entry.name.endswith(".py"):
            yield f"{prefix}{entry.name}.{stat_signature(entry.stat())}"
        elif entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
            yield from _module_stamps(entry.path, f"{prefix}{entry.name}/")


def read_cache_file(path: Path, sessions_dir: str) -> dict[str, Any]:
    """A cache file, or {} when it is missing, unreadable, corrupt or from another version."""
    try:
        with open(path, "rb") as handle:
            cache = json.loads(handle.read())
    except (OSError, ValueError):
        return {}
    if (
        not isinstance(cache, dict)
        or cache.get("key") != code_stamp()
        or cache.get("dir") != sessions_dir
    ):
        return {}
    return cache


def write_cache_file(path: Path, sessions_dir: str, payload: dict[str, Any]) -> None:
    document = {"key": code_stamp(), "dir": sessions_dir, **payload}
    try:
        text = json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        if not text.isascii() and not is_utf8(text):
            # A file name that is not UTF-8 (its bytes stand as surrogates): escaped,
            # it reads back as the same name.
            text = json.dumps(document, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return  # a value JSON cannot hold: the next run simply recomputes
    write_cache_text(path, text)


def write_cache_text(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text, durable=False)
    except (OSError, GitSessError):
        pass  # the cache is an optimisation: a read-only .git only makes runs slower


def cached_output(
    state_dir: Path, catalog: Fingerprinted, name: str, variant: str, produce: Callable[[], Any]
) -> Any:
    """What `produce()` returns for this exact set of exports, remembered across runs.

    Read commands print the same thing until an export changes; keeping the last
    output per command (keyed by the directory's fingerprint and the command's
    options) lets a warm run skip loading and formatting 10,000 sessions.
    """
    path = state_dir / f"output-{name}.json"
    wanted = f"{catalog.fingerprint}:{variant}"
    cached = read_cache_file(path, catalog.sessions_dir)
    if cached.get("for") == wanted and "value" in cached:
        return cached["value"]
    value = produce()
    write_cache_file(path, catalog.sessions_dir, {"for": wanted, "value": value})
    return value
