"""Settings: built-in defaults < `git config sess.*` (global, then local) < flags."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TypeVar

from gitsess.core.errors import GitSessError
from gitsess.core.patterns import lazy

TYPES = ("feature", "bug", "research", "operation", "checkpoint", "reflection", "roadmap")
STATUSES = ("in-progress", "complete", "blocked", "abandoned")
DEFAULT_DIR = ".sessions"
DEFAULT_MAX_EXPORT_BYTES = 32 * 1024
DEFAULT_CONTEXT_WINDOW = 200_000
RECOVERY_MODES = ("manual", "auto")  # the first is the default, as the policy says
T = TypeVar("T")


@dataclass(frozen=True)
class Config:
    sessions_dir: str = DEFAULT_DIR  # relative to the top of the work tree, POSIX form
    types: tuple[str, ...] = TYPES
    statuses: tuple[str, ...] = STATUSES
    max_export_bytes: int = DEFAULT_MAX_EXPORT_BYTES
    project: str | None = None
    context_window: int = DEFAULT_CONTEXT_WINDOW
    context_window_set: bool = False  # by git config: it overrides what the assistant finds
    lock_timeout: float | None = None  # seconds a writer waits for another; None: its default
    allow_secrets: bool = False  # commit exports that look like they hold a credential
    recovery_mode: str = "manual"  # after a compaction: manual (report, wait) or auto (continue)
    checkpoint_on_end: bool = False  # the SessionEnd hook writes a checkpoint
    mcp_read_only: bool = False  # `git sess mcp` offers no writing tool


def load_config(values: dict[str, list[str]], problems: list[GitSessError] | None = None) -> Config:
    """Build the configuration from `sess.*` values as `Repo.config()` returns them.

    A value that cannot be used is an error; given `problems`, it is put there
    instead and the default taken (the assistant's hooks must not stop working).
    """

    def last(key: str) -> str | None:
        found = values.get(key)
        return found[-1].strip() if found else None

    def read(parse: Callable[[], T], default: T) -> T:
        try:
            return parse()
        except GitSessError as error:
            if problems is None:
                raise
            problems.append(error)
            return default

    window = read(lambda: _number("sess.contextWindow", last("sess.contextwindow"), 1000), None)
    return Config(
        sessions_dir=read(lambda: _sessions_dir(last("sess.dir")), DEFAULT_DIR),
        types=_vocabulary(TYPES, values.get("sess.types", [])),
        statuses=_vocabulary(STATUSES, values.get("sess.statuses", [])),
        max_export_bytes=read(
            lambda: _number("sess.maxExportSize", last("sess.maxexportsize"), 1024), None
        )
        or DEFAULT_MAX_EXPORT_BYTES,
        project=last("sess.project") or None,
        context_window=window or DEFAULT_CONTEXT_WINDOW,
        context_window_set=window is not None,
        lock_timeout=read(lambda: _seconds("sess.lockTimeout", last("sess.locktimeout")), None),
        allow_secrets=read(lambda: _boolean("sess.allowSecrets", last("sess.allowsecrets")), False),
        # A recovery mode that is not understood is taken as the cautious one.
        recovery_mode=read(
            lambda: _choice("sess.recoveryMode", last("sess.recoverymode"), RECOVERY_MODES),
            "manual",
        ),
        checkpoint_on_end=read(
            lambda: _boolean("sess.checkpointOnEnd", last("sess.checkpointonend")), False
        ),
        mcp_read_only=read(lambda: _boolean("sess.mcpReadOnly", last("sess.mcpreadonly")), False),
    )


def _choice(key: str, raw: str | None, allowed: tuple[str, ...]) -> str:
    if raw is None:
        return allowed[0]
    if raw.lower() in allowed:
        return raw.lower()
    raise GitSessError(
        f"git config {key} is {raw!r}, not one of {', '.join(allowed)}",
        f"git config {key} {allowed[0]}",
    )


def _boolean(key: str, raw: str | None) -> bool:
    """git's own spellings of a boolean (`git config --type=bool`)."""
    if raw is None:
        return False
    value = raw.lower()
    if value in ("", "true", "yes", "on", "1"):  # a bare `key` in the file means true
        return True
    if value in ("false", "no", "off", "0"):
        return False
    raise GitSessError(
        f"git config {key} is {raw!r}, not a boolean", f"git config {key} true (or false)"
    )


def _sessions_dir(raw: str | None) -> str:
    if not raw:
        return DEFAULT_DIR
    path = PurePosixPath(raw.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or str(path) in ("", "."):
        raise GitSessError(
            f"git config sess.dir is {raw!r}: it must be a directory inside the work tree",
            "git config sess.dir .sessions",
        )
    return str(path)


def _seconds(key: str, raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < 86400:
        raise GitSessError(
            f"git config {key} is {raw!r}: expected a number of seconds such as 30",
            f"git config {key} 30",
        )
    return value


def _vocabulary(defaults: tuple[str, ...], extra: list[str]) -> tuple[str, ...]:
    """Configured words extend the defaults; values may be comma or space separated."""
    words = list(defaults)
    for value in extra:
        for word in re.split(r"[,\s]+", value.strip().lower()):
            if word and word not in words:
                words.append(word)
    return tuple(words)


def _number(key: str, raw: str | None, kilo: int) -> int | None:
    """Parse `32k`-style numbers: bytes count in 1024s, tokens in 1000s."""
    if raw is None:
        return None
    match = re.fullmatch(r"(\d+)\s*([kKmM]?)[bB]?", raw)
    if not match or int(match.group(1)) == 0:
        example = "32k" if kilo == 1024 else "200k"  # an export size; a context window
        raise GitSessError(
            f"git config {key} is {raw!r}: expected a positive number such as {example}",
            f"git config {key} {example}",
        )
    factor = {"": 1, "k": kilo, "m": kilo * kilo}[match.group(2).lower()]
    return int(match.group(1)) * factor


def vocabulary_problem(config: Config, key: str, value: str) -> tuple[str, str] | None:
    """(message, hint) when `value` is not an allowed type or status, else None."""
    allowed, setting = (
        (config.types, "sess.types") if key == "type" else (config.statuses, "sess.statuses")
    )
    if value in allowed:
        return None
    return (
        f"{key} {value!r} is not one of {', '.join(allowed)}",
        f"use one of those, or allow it: git config --add {setting} {value}",
    )


_NOT_ONE_WORD = lazy(r"[\s,\[\]]")  # (lazy: see core/patterns.py)


def tag_problem(tag: str) -> tuple[str, str] | None:
    """(message, hint) when `tag` is not one word (a space, comma or bracket in
    it), else None: the one rule for `new`, `update` and `check`."""
    if _NOT_ONE_WORD.search(tag.strip()):
        return (
            f"tag {tag!r} is not one word",
            "join its words with - or _ (e.g. data-cleaning): one tag, one word",
        )
    return None
