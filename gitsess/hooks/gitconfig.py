"""Reading git's configuration files as text, as git itself parses them.

The missing-hooks check (`presence`) runs after every command and must cost
next to nothing: a `git config` process costs 2–10 ms, reading three small
files a few microseconds. What this cannot answer exactly (an `include`, a
`git -c` setting, a file git would refuse) is left to git: `read_settings`
returns None and the caller asks git.

Standard library only: it runs on every command, before anything heavy.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_SECTION = re.compile(r"[A-Za-z0-9.-]+")
_ESCAPES = {"n": "\n", "t": "\t", "b": "\b", "\\": "\\", '"': '"'}
# Set by `git -c` (and its environment equivalents) for the commands it runs.
COMMAND_LINE_VARIABLES = ("GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_CONFIG")


class Unparsable(ValueError):
    """git would read this file differently, or refuse it: ask git."""


def parse(text: str) -> list[tuple[str, str | None]]:
    """Every `(key, value)` of a configuration file in order: section and name
    lower-cased, a subsection as written (`merge.git-sess-index.driver`); a
    bare `name` (git's true) gives None."""
    text = text.replace("\r\n", "\n")
    entries: list[tuple[str, str | None]] = []
    section: str | None = None
    at, end = 0, len(text)
    while at < end:
        char = text[at]
        if char.isspace():
            at += 1
        elif char in "#;":
            at = _line_end(text, at)
        elif char == "[":
            section, at = _section(text, at + 1)
        else:
            found = _NAME.match(text, at)
            if found is None:
                raise Unparsable(f"unexpected {char!r}")
            name = found.group().lower()
            key = name if section is None else f"{section}.{name}"  # git takes one before any
            at = found.end()
            while at < end and text[at] in " \t":
                at += 1
            if at >= end or text[at] == "\n":
                entries.append((key, None))
            elif text[at] == "=":
                value, at = _value(text, at + 1)
                entries.append((key, value))
            else:
                raise Unparsable(f"{key} is followed by {text[at]!r}")
    return entries


def _line_end(text: str, at: int) -> int:
    newline = text.find("\n", at)
    return len(text) if newline < 0 else newline + 1


def _section(text: str, at: int) -> tuple[str, int]:
    """`[core]`, `[merge "name"]` (the subsection kept as written) or the old
    `[branch.Name]` (all lower-cased, as git does)."""
    found = _SECTION.match(text, at)
    if found is None:
        raise Unparsable("a section without a name")
    name, at = found.group().lower(), found.end()
    if text.startswith("]", at):
        return name, at + 1
    if not text.startswith(" ", at) or "." in name:
        raise Unparsable(f"section {name!r} is not closed")
    while text.startswith(" ", at):
        at += 1
    if not text.startswith('"', at):
        raise Unparsable(f"section {name!r}: a subsection is quoted")
    at += 1
    subsection: list[str] = []
    while at < len(text) and text[at] != '"':
        if text[at] == "\n":
            raise Unparsable(f"section {name!r}: the subsection is not closed")
        if text[at] == "\\":
            at += 1
        subsection.append(text[at : at + 1])
        at += 1
    if not text.startswith('"]', at):
        raise Unparsable(f"section {name!r} is not closed")
    return f"{name}.{''.join(subsection)}", at + 2


def _value(text: str, at: int) -> tuple[str, int]:
    """A value after `=`, to the end of its line (or of the lines a trailing
    backslash joins): quotes and escapes removed, a comment dropped, spaces
    around it trimmed and spaces inside kept (each tab a space), as git does."""
    out: list[str] = []
    length = spaces = 0
    quoted = comment = False
    end = len(text)
    while True:
        char = text[at] if at < end else "\n"
        at += 1
        if char == "\n":
            if quoted:
                raise Unparsable("a quoted value is not closed")
            return "".join(out), min(at, end)
        if comment:
            continue
        if char.isspace() and not quoted:
            spaces += 1 if length else 0  # leading spaces are dropped
            continue
        if not quoted and char in "#;":
            comment = True
            continue
        out.append(" " * spaces)
        length += spaces
        spaces = 0
        if char == "\\":
            escaped = text[at] if at < end else "\n"
            at += 1
            if escaped == "\n":
                continue  # the value goes on on the next line
            if escaped not in _ESCAPES:
                raise Unparsable(f"unknown escape \\{escaped}")
            char = _ESCAPES[escaped]
        elif char == '"':
            quoted = not quoted
            continue
        out.append(char)
        length += 1


def is_true(value: str | None) -> bool:
    """git's boolean: a bare key, true/yes/on or a non-zero number; anything
    else (false, no, off, 0, an empty value, a typo) is false here."""
    if value is None:
        return True
    value = value.strip().lower()
    if value in ("true", "yes", "on"):
        return True
    try:
        return int(value) != 0
    except ValueError:
        return False


def files_before_local() -> list[Path]:
    """The system and global files git reads before the repository's own, in order."""
    files: list[Path] = []
    if not is_true(os.environ.get("GIT_CONFIG_NOSYSTEM", "false")):
        system = os.environ.get("GIT_CONFIG_SYSTEM")
        files += [Path(system)] if system else _system_files()
    configured = os.environ.get("GIT_CONFIG_GLOBAL")
    if configured is not None:
        return files + ([Path(configured)] if configured else [])
    home = os.environ.get("HOME")
    xdg = os.environ.get("XDG_CONFIG_HOME") or (home and os.path.join(home, ".config"))
    if xdg:
        files.append(Path(xdg, "git", "config"))
    if home:
        files.append(Path(home, ".gitconfig"))
    return files


def _system_files() -> list[Path]:
    """`/etc/gitconfig`, and `PREFIX/etc/gitconfig` for a git installed under
    another prefix (git tells its commands where it lives in GIT_EXEC_PATH)."""
    files = [Path("/etc/gitconfig")]
    exec_path = os.environ.get("GIT_EXEC_PATH")
    if exec_path:
        prefix = Path(exec_path).parent.parent  # PREFIX/lib/git-core, PREFIX/libexec/git-core
        if prefix != Path("/usr") and prefix != Path("/"):
            files.append(prefix / "etc" / "gitconfig")
    return files


def read_file(path: Path) -> list[tuple[str, str | None]]:
    """The entries of one file; a file that is not there has none."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return []
    except OSError as error:
        raise Unparsable(str(error)) from error
    try:
        return parse(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise Unparsable(str(error)) from error


def read_settings(local: list[Path], wanted: frozenset[str]) -> dict[str, str | None] | None:
    """The last value of each key in `wanted` over the system, global and
    `local` files (the worktree's after the repository's), or None when git
    must be asked: an include, a `git -c` setting, a file this cannot read."""
    if any(os.environ.get(name) for name in COMMAND_LINE_VARIABLES):
        return None
    values: dict[str, str | None] = {}
    try:
        for path in [*files_before_local(), *local]:
            for key, value in read_file(path):
                if key.startswith(("include.", "includeif.")):
                    return None
                if key in wanted:
                    values[key] = value
    except Unparsable:
        return None
    return values


def parse_get_regexp(out: bytes) -> dict[str, str | None]:
    """`git config -z --get-regexp …`: `key\\nvalue` records (a bare key has no
    newline); the last value of each key wins."""
    values: dict[str, str | None] = {}
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        if record:
            key, newline, value = record.partition("\n")
            values[key] = value if newline else None
    return values
