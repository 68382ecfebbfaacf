"""How git-sess fails: the error type, the exit codes and the one printer (DESIGN.md §6).

The command line and every hook leave through `exit_with`, so a failure reads
the same wherever it happens. This module imports nothing but the standard
library: the git-hook and Claude-hook paths use it without click.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from enum import IntEnum
from typing import TextIO


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


# Control characters (but the tab) in a message could move the cursor or recolour
# the terminal: they are shown escaped. A newline starts another prefixed line.
_ESCAPED = {code: f"\\x{code:02x}" for code in (*range(32), *range(127, 160)) if code != 9}


def printable(text: str) -> str:
    """`text` with control characters shown escaped: a note's title or file name
    must not move the cursor or recolour the terminal it is printed on. Bytes of a
    file name that are not UTF-8 (surrogates in Python) are shown as `\\xNN`."""
    if not text.isprintable():
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text.translate(_ESCAPED)


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
    for line in [lines] if isinstance(lines, str) else lines:
        _write(out, "git-sess: error: ", line)
    for hint in [hints] if isinstance(hints, str) else hints or ():
        if hint:  # an error may have no hint
            _write(out, "hint: ", hint)
    out.flush()
    return code


def warn(line: str) -> None:
    """`git-sess: warning: <line>` on stderr, escaped like an error: a warning can
    quote an export's own text."""
    _write(sys.stderr, "git-sess: warning: ", line)
    sys.stderr.flush()


def _write(out: TextIO, prefix: str, text: str) -> None:
    for line in text.split("\n"):
        out.write(prefix + line.translate(_ESCAPED) + "\n")
