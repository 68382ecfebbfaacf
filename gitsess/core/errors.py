"""How git-sess fails: the error type, the exit codes and the one printer (DESIGN.md §6).

The command line and every hook leave through `exit_with`, so a failure reads
the same wherever it happens. This module imports nothing but the standard
library: the git-hook and Claude-hook paths use it without click.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable
from enum import IntEnum
from typing import Any, TextIO


class ExitCode(IntEnum):
    """What a git-sess process exits with."""

    OK = 0
    ERROR = 1  # an expected failure (bad input, a refused commit), said on stderr
    USAGE = 2  # the command line itself is wrong (click's code for usage errors)
    BUG = 3  # an unexpected exception: a bug in git-sess
    INTERRUPTED = 130  # ^C: 128 + SIGINT, as shells report a process it ended


class GitSessError(Exception):
    """An expected failure: printed as `git-sess: error: …` plus a hint, exit 1."""

    exit_code = ExitCode.ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.lines = [message]  # what `exit_with` prints; a subclass may say more

    def __reduce__(self) -> tuple[type, tuple[str, str | None]]:
        # Keep the hint when the error crosses a process boundary (parallel parsing).
        return (type(self), (self.message, self.hint))


class NotARepository(GitSessError):
    """Raised outside a git work tree (including bare repositories)."""


class SessionNotFound(GitSessError):
    """Raised when an id, prefix or path names no session."""


class AmbiguousSession(GitSessError):
    """Raised when a prefix names more than one session."""


class ValidationFailed(GitSessError):
    """Raised when a write is refused because the result would not validate."""


# What a terminal must never receive raw from a note, a transcript or a file name
# (the one rule; printable, quote_path, safe_json and the output guard all use it):
# C0 controls but the tab, DEL and C1 controls (U+009B is a CSI of its own), soft
# hyphen, the bidirectional marks and overrides (they reorder what is shown), the
# invisible zero-width and format characters that make two names look the same
# (but ZWNJ and ZWJ, which scripts and emoji need), line and paragraph separators,
# the tag characters (hidden text), and surrogates (bytes of a name that are not
# UTF-8). Printable text of any script, emoji and spaces pass as they are.
UNSAFE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f\ud800-\udfff]"
)
# Inside an output stream a newline and the CR of a CRLF (an export written on
# Windows) are line ends, not controls.
_UNSAFE_IN_OUTPUT = re.compile(
    "\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
    "\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as surrogateescape keeps it
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x80:
        return f"\\x{code:02x}"
    # Above ASCII as JSON spells it, so that a JSON string stays valid JSON
    return _json_escape(match)


def printable(text: str) -> str:
    """`text` with what UNSAFE names shown as `\\xNN` (ASCII) or `\\uNNNN`:
    a note's title must not move the cursor, recolour, retitle or write to the
    clipboard of the terminal it is printed on. A byte of a file name that is not
    UTF-8 (a surrogate in Python) is shown as `\\xNN`."""
    return UNSAFE.sub(_escape, text)


# git's C-style quoting of a path (quote.c): these by their letter, others in octal.
_GIT_LETTERS = {7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 34: '"', 92: "\\"}


def quote_path(path: str) -> str:
    """A file name as git prints it (`git status`, core.quotePath): as it is when
    plain, else in double quotes with `\\n`-style letters and the octal of each
    byte that is unsafe (`"session_\\377.md"`). Printable UTF-8 stays readable, as
    with core.quotePath=false: only what UNSAFE names is spelt in octal."""
    if not UNSAFE.search(path) and not any(char in path for char in '"\\\t'):
        return path  # (a tab is not unsafe on a terminal, but git quotes it in a name)
    out = []
    for char in path:
        code = ord(char)
        if code in _GIT_LETTERS:
            out.append("\\" + _GIT_LETTERS[code])
        elif UNSAFE.match(char):
            data = char.encode("utf-8", "surrogateescape")
            out.append("".join(f"\\{byte:03o}" for byte in data))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def safe_json(text: str) -> str:
    """JSON text (from json.dumps with ensure_ascii=False) with every UNSAFE
    character written as a `\\uNNNN` escape: the same JSON, nothing raw in it.
    (JSON's own syntax is ASCII, so such a character only stands inside a string.)"""
    return _UNSAFE_IN_OUTPUT.sub(_json_escape, text)  # (its layout's newlines stay)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


class GuardedOutput:
    """stdout or stderr of the command line: what reaches the terminal has UNSAFE
    characters escaped (but newlines), whatever printed it: the net under the
    fields each command escapes itself. Everything else is the stream's own."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(_UNSAFE_IN_OUTPUT.sub(_escape, text).replace("\r\n", "\n"))
        return len(text)

    def write_unguarded(self, text: str) -> int:
        return self._stream.write(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def write_styled(text: str) -> None:
    """Write git-sess's own styles (search's highlights) past the output guard: the
    caller has escaped every field of a note in `text` with printable()."""
    out = sys.stdout
    if isinstance(out, GuardedOutput):
        out.write_unguarded(text)
    else:
        out.write(text)


def guard_output() -> None:
    """Put GuardedOutput over sys.stdout and sys.stderr (once)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, GuardedOutput):
            setattr(sys, name, GuardedOutput(stream))


def columns(text: str) -> int:
    """The terminal columns `text` takes (printable text): wide characters two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def clip(text: str, width: int, ellipsis: str = "…", strip: bool = False) -> str:
    """`text` escaped with printable() and cut to `width` columns, never inside an
    escape (with `strip`, no blank before the ellipsis): one long title must not
    push every row's tags off the screen."""
    shown = printable(text)
    if columns(shown) <= width:
        return shown
    room = width - columns(ellipsis)
    kept: list[str] = []
    used = 0
    for character in text:
        piece = printable(character)
        used += columns(piece)
        if used > room:
            break
        kept.append(piece)
    shown = "".join(kept)
    return (shown.rstrip() if strip else shown) + ellipsis


def exit_with(
    code: ExitCode,
    lines: str | Iterable[str] = (),
    hints: str | Iterable[str | None] | None = (),
) -> ExitCode:
    """Print `git-sess: error: <line>` for each line, then `hint: <hint>` for each
    hint, on stderr; return `code` for the caller to exit with.

    Given neither, it prints nothing: ^C, say, needs only its code.
    """
    out = sys.stderr
    out.write(error_text(lines, hints))
    out.flush()
    return code


def error_text(
    lines: str | Iterable[str] = (), hints: str | Iterable[str | None] | None = ()
) -> str:
    """What `exit_with` prints: `git-sess: error: …` lines, then `hint: …` lines,
    each ending in a newline (the MCP server sends the same text as a tool error)."""
    out: list[str] = []
    for line in [lines] if isinstance(lines, str) else lines:
        out += _prefixed("git-sess: error: ", line)
    for hint in [hints] if isinstance(hints, str) else hints or ():
        if hint:  # an error may have no hint
            out += _prefixed("hint: ", hint)
    return "".join(out)


def warn(line: str) -> None:
    """`git-sess: warning: <line>` on stderr, escaped like an error: a warning can
    quote an export's own text."""
    _write(sys.stderr, "git-sess: warning: ", line)
    sys.stderr.flush()


def _write(out: TextIO, prefix: str, text: str) -> None:
    out.write("".join(_prefixed(prefix, text)))


def _prefixed(prefix: str, text: str) -> list[str]:
    return [prefix + printable(line) + "\n" for line in text.split("\n")]
