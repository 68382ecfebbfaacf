"""Where OpenAI Codex CLI keeps its rollouts, and which one a user names.

`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<YYYY-MM-DDThh-mm-ss>-<id>.jsonl`, and
the same names flat in `$CODEX_HOME/archived_sessions/` (`codex archive`). A
rollout says in its first line where the conversation ran (`session_meta.cwd`):
this repository's are those that ran in its work tree. A resumed conversation
goes on in its old file (under the day it began), so "newest" is by the time
the file was last written, not by its folder. Which directory each rollout
began in is remembered in a cache of the user's (`_Dirs`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

from gitsess.assistant.codex_config import codex_home
from gitsess.assistant.codex_rollout import (
    COMPRESSED,
    meta_facts,
    refuse_compressed,
    session_meta,
)
from gitsess.assistant.locating import glob_escape, modified_time, only_match, within
from gitsess.assistant.records import TranscriptError
from gitsess.core.files import write_atomic

# `rollout-2026-07-03T18-15-07-<id>`: the id is what follows the time.
CACHE_NAME = "codex-rollout-dirs.json"  # under $XDG_CACHE_HOME/git-sess/
CACHE_KEEP = 50_000  # rollouts remembered, the newest read
ROLLOUT_NAME = re.compile(r"rollout-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-(?P<id>.+)")


def rollout_files() -> list[Path]:
    """Every rollout, live and archived, newest written first."""
    home = codex_home()
    found = [
        *home.glob("sessions/*/*/*/rollout-*.jsonl"),
        *home.glob("archived_sessions/rollout-*.jsonl"),
    ]
    return sorted(found, key=modified_time, reverse=True)


def rollout_id(path: Path) -> str | None:
    """The session id in a rollout's name (`rollout-<time>-<id>.jsonl`, or
    `.jsonl.zst` compressed)."""
    name = path.name.removesuffix(".zst").removesuffix(".jsonl")
    match = ROLLOUT_NAME.fullmatch(name)
    return match["id"] if match else None


def repository_rollouts(root: Path, limit: int | None = None) -> list[Path]:
    """This work tree's rollouts, newest written first (at most `limit`): those
    whose conversation began in it or in one of its directories."""
    found = []
    bases = {str(root), str(root.resolve())}
    known = _Dirs()
    for path in rollout_files():
        cwd = known.cwd(path)
        if cwd is not None and _inside(cwd, bases, root):
            found.append(path)
            if limit is not None and len(found) >= limit:
                break
    known.save()
    return found


class _Dirs:
    """Where each rollout's conversation began, remembered: a rollout's first
    line never changes, and reading it costs most of finding this repository's
    among thousands. A cache only: unreadable, it reads as empty; unwritable,
    the lines are read again next time."""

    def __init__(self) -> None:
        self.path = _cache_home() / "git-sess" / CACHE_NAME
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            data = {}
        cwds = data.get("cwds") if isinstance(data, dict) else None
        self.cwds: dict[str, str] = cwds if isinstance(cwds, dict) else {}
        self.changed = False

    def cwd(self, path: Path) -> str | None:
        known = self.cwds.get(str(path))
        if isinstance(known, str):
            return known
        cwd = meta_facts(session_meta(path))["cwd"]
        if cwd is not None:  # a file with no first line yet is read again next time
            self.cwds[str(path)] = cwd
            self.changed = True
        return cwd

    def save(self) -> None:
        if not self.changed:
            return
        kept = dict(list(self.cwds.items())[-CACHE_KEEP:])
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps({"cwds": kept}), durable=False)


def _cache_home() -> Path:
    configured = os.environ.get("XDG_CACHE_HOME", "").strip()
    return Path(configured) if configured else Path.home() / ".cache"


def _inside(cwd: str, bases: set[str], root: Path) -> bool:
    """`within`, its path-resolving part only for a directory outside `bases`
    by name (a link into the repository): most rollouts are other projects'."""
    if any(cwd == base or cwd.startswith(base.rstrip("/") + "/") for base in bases):
        return True
    return os.path.realpath(cwd) != cwd and within(cwd, root)


def newest_rollout(root: Path) -> Path | None:
    found = repository_rollouts(root, limit=1)
    return found[0] if found else None


def rollouts_named(ref: str) -> list[Path]:
    """The rollouts whose id is `ref`, else begins with it (a short id). A
    compressed one (`.jsonl.zst`) counts, unless it was decompressed beside itself."""
    home = codex_home()
    candidates = [
        path
        for pattern in (
            f"rollout-*-{glob_escape(ref)}*.jsonl",
            f"rollout-*-{glob_escape(ref)}*{COMPRESSED}",
        )
        for folder in ("sessions/*/*/*", "archived_sessions")
        for path in home.glob(f"{folder}/{pattern}")
    ]
    plain = {str(path) for path in candidates if path.suffix == ".jsonl"}
    candidates = [p for p in candidates if p.suffix == ".jsonl" or str(p)[:-4] not in plain]
    exact = [p for p in candidates if rollout_id(p) == ref]
    return exact or [p for p in candidates if (rollout_id(p) or "").startswith(ref)]


def find_rollout(root: Path, ref: str | None) -> Path:
    """The rollout a user names by session id (or a unique prefix of one), or
    this repository's newest (a compressed one, which cannot be read, is refused by name)."""
    where = codex_home() / "sessions"
    if not ref or ref == "latest":
        newest = newest_rollout(root)
        if newest is None:
            raise TranscriptError(
                f"no Codex rollout for this repository in {where}",
                "run Codex here first, or name a rollout by its path",
            )
        return newest
    found = only_match(rollouts_named(ref), ref, where, "rollout")
    refuse_compressed(found)
    return found
