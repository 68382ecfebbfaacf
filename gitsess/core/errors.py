"""The one error type every expected failure is reported with (DESIGN.md §6)."""

from __future__ import annotations


class GitSessError(Exception):
    """An expected failure: printed as `git-sess: error: …` plus a hint, exit 1."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

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
