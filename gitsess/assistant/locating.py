"""Where Claude Code keeps transcripts (DESIGN.md §5), and which one a user names.

`~/.claude/projects/<slug>/<session-uuid>.jsonl` (or under `$CLAUDE_CONFIG_DIR`,
or the directory `CLAUDE_CODE_PROJECT_DIR_NAME` names); sub-agents' transcripts
beside them are never the conversation.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import TypeGuard

from gitsess.assistant.records import TranscriptError, open_transcript, records_forward

SLUG_LIMIT = 200  # the longest project directory name Claude Code writes whole
PROJECT_DIR_NAME = "CLAUDE_CODE_PROJECT_DIR_NAME"
# What Claude Code accepts as that name: 1 to 64 letters, digits, `_` or `-`.
PROJECT_DIR_NAME_RULE = re.compile(r"[A-Za-z0-9_-]{1,64}")


# --- where transcripts are ------------------------------------------------------------


def claude_home() -> Path:
    configured = os.environ.get("CLAUDE_CONFIG_DIR")
    return Path(configured) if configured else Path.home() / ".claude"


def project_slug(path: Path | str) -> str:
    """Claude Code's directory name for a project: every character outside
    [A-Za-z0-9] of its path becomes `-`, one per UTF-16 unit (JavaScript's
    string), so an emoji becomes `--`. Claude Code cuts a name past 200
    characters and adds a hash of its own: `project_transcripts` looks for it."""
    return re.sub(r"[^A-Za-z0-9]", lambda m: "-" * (2 if ord(m[0]) > 0xFFFF else 1), str(path))


def project_transcripts(root: Path) -> list[Path]:
    """This work tree's transcripts, newest first (by modification time): those
    of Claude Code started at its top, or in one of its directories. A
    conversation's own folder beside its file (`<session>/subagents/*.jsonl`,
    sub-agents' transcripts) is not looked into: those are not the conversation."""
    projects = claude_home() / "projects"
    found: dict[str, Path] = {}
    named = named_project_dir()
    if named is not None:  # a name the host chose: its transcripts say whose they are
        for path in named.glob("*.jsonl"):
            if not path.name.startswith("agent-") and _cwdwithin(path, root):
                found[str(path)] = path
    for base in dict.fromkeys([str(root), str(root.resolve())]):
        slug = project_slug(base)[:SLUG_LIMIT]
        for directory in projects.glob(glob_escape(slug) + "*"):
            # `-x-app-src` may be /x/app/src, or /x/app-src: its transcripts say which
            # (and so do those of a name cut short with a hash after it).
            cut = len(slug) == SLUG_LIMIT
            inside = directory.name == slug and not cut
            if not (inside or cut or directory.name.startswith(slug + "-")):
                continue
            for path in directory.glob("*.jsonl"):
                if path.name.startswith("agent-"):
                    continue  # a sub-agent's own, which older Claude Code kept beside
                if inside or _cwdwithin(path, root):
                    found[str(path)] = path
    return sorted(found.values(), key=modified_time, reverse=True)


def named_project_dir() -> Path | None:
    """The project directory CLAUDE_CODE_PROJECT_DIR_NAME names (Claude Code
    2.1.234: a host that gives each session its own config directory picks a
    short name for it), when the name is one Claude Code accepts."""
    name = os.environ.get(PROJECT_DIR_NAME, "").strip()
    if not PROJECT_DIR_NAME_RULE.fullmatch(name):
        return None
    return claude_home() / "projects" / name


def glob_escape(text: str) -> str:
    return re.sub(r"([*?[])", r"[\1]", text)


def _cwdwithin(path: Path, root: Path) -> bool:
    """Whether the conversation started in `root` (the first `cwd` it names)."""
    cwd = first_value(path, "cwd")
    return cwd is not None and within(cwd, root)


def first_value(path: Path, key: str) -> str | None:
    """The first text value of `key` among a transcript's first records."""
    with contextlib.suppress(TranscriptError), open_transcript(path) as handle:
        for number, record in enumerate(records_forward(handle, [0])):
            value = record.get(key)
            if isinstance(value, str) and value:
                return value
            if number > 50:
                break
    return None


def modified_time(path: Path) -> tuple[float, str]:
    try:
        return (path.stat().st_mtime, path.name)
    except OSError:
        return (0.0, path.name)


def find_transcript(root: Path, ref: str | None) -> Path:
    """The transcript a user names: a path, an assistant session id (or a unique
    prefix of one), or `latest`/None for this work tree's newest."""
    if names_a_file(ref):
        path = Path(ref).expanduser()
        if not path.is_file():
            raise TranscriptError(f"no transcript {ref}", "give the path of a .jsonl file")
        return path
    candidates = project_transcripts(root)
    where = named_project_dir() or claude_home() / "projects" / project_slug(root)
    if not ref or ref == "latest":
        # Claude Code can start a file with a summary of another conversation
        # alone: the newest that names a session of its own is this one's.
        candidates = [p for p in candidates if first_value(p, "sessionId")] or candidates
        if not candidates:
            raise TranscriptError(
                f"no Claude Code transcript for this repository in {where}",
                "run Claude Code here first, or name a transcript by its path",
            )
        return candidates[0]
    matches = [p for p in candidates if p.stem == ref] or [
        p for p in candidates if p.stem.startswith(ref)
    ]
    if not matches:  # a session of this repository started from another directory
        matches = sorted((claude_home() / "projects").glob(f"*/{glob_escape(ref)}*.jsonl"))
    return only_match(matches, ref, where, "transcript")


def names_a_file(ref: str | None) -> TypeGuard[str]:
    """Whether `ref` is a file's path rather than a session id."""
    if not ref or ref == "latest":
        return False
    return "/" in ref or ref.endswith((".jsonl", ".zst")) or Path(ref).is_file()


def only_match(matches: list[Path], ref: str, where: Path, what: str) -> Path:
    """The one file of `matches` that session id `ref` names (`what`: transcript,
    rollout), or an error that says there is none, or more than one."""
    if len(matches) != 1:
        problem = f"no {what}" if not matches else f"more than one {what}"
        raise TranscriptError(
            f"{problem} with session id {ref!r} in {where}",
            f"give the whole session id, or the {what}'s path",
        )
    return matches[0]


def within(cwd: str, root: Path) -> bool:
    """Whether the directory `cwd` is `root` or inside it (links resolved)."""
    where = Path(cwd)
    for base in {root, root.resolve()}:
        if where == base or where.is_relative_to(base):
            return True
    return Path(os.path.realpath(cwd)).is_relative_to(root.resolve())
