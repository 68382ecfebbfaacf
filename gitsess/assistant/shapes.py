"""What a conversation's transcript says, whichever assistant wrote it: the
shapes `transcript.py` (Claude Code) and `codex_rollout.py` (OpenAI Codex CLI)
both fill, so that status, time, exports and checkpoints read one shape."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

CLAUDE, CODEX = "claude-code", "codex"  # the `assistant:` an export records
NAMES = {CLAUDE: "Claude Code", CODEX: "Codex"}  # as `status` names them


@dataclass
class Tail:
    """What the end of a transcript says about the conversation now."""

    path: Path
    session_id: str | None = None
    cwd: str | None = None
    branch: str | None = None
    model: str | None = None
    last_time: dt.datetime | None = None
    written: dt.datetime | None = None  # the file's modification time
    context_tokens: int | None = None  # None: no reply since the last compaction (or ever)
    input_tokens: int | None = None
    compacted: bool = False  # a compaction happened after the newest reply
    compaction_trigger: str | None = None  # of that compaction, when it says
    compaction_peak: int | None = None  # the context it started from, when it says
    skipped_lines: int = 0
    assistant: str = CLAUDE
    # What a Codex rollout states itself: its window (`model_context_window`),
    # the commit it ran at.
    window: int | None = None
    commit: str | None = None
    # The assistant's version: Claude Code's `version` (its newest record's), Codex's cli_version.
    version: str | None = None
    compacted_at: dt.datetime | None = None  # when that compaction happened
    # A response that did not fit the window, after the newest reply (Codex records
    # it): the context is the whole window until the compaction Codex then runs.
    exceeded_at: dt.datetime | None = None

    @property
    def cli_version(self) -> str | None:
        """Codex's version as its rollout records it (`session_meta.cli_version`)."""
        return self.version if self.assistant == CODEX else None


@dataclass(frozen=True)
class Compaction:
    time: dt.datetime | None
    trigger: str | None  # manual | auto; None in old transcripts
    peak_tokens: int | None  # the context just before it (preTokens, or the largest seen)


@dataclass
class Scan:
    path: Path
    session_id: str | None = None
    cwd: str | None = None
    model: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    context_tokens: int | None = None
    input_tokens: int | None = None
    compactions: list[Compaction] = field(default_factory=list)
    files_created: list[str] = field(default_factory=list)
    files_modified: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)
    first_prompt: str | None = None
    recent_prompts: list[str] = field(default_factory=list)  # oldest first, the last few
    prompt_count: int = 0
    skipped_lines: int = 0
    until: str | None = None  # the uuid of the last record read: where a next part starts
    after: str | None = None  # the uuid this scan started after; None: from the start
    assistant: str = CLAUDE

    def saw(self, moment: dt.datetime | None) -> None:
        """A record of `moment` read: the scan spans it."""
        if moment is not None:
            self.start = self.start or moment
            self.end = moment

    @property
    def duration(self) -> dt.timedelta | None:
        return self.end - self.start if self.start and self.end else None


def relative_path(raw: str, cwd: str | None, root: Path | None) -> str:
    """A path a tool was given, relative to the work tree `root` (or to `cwd`,
    the directory the tool ran in, when it is outside); POSIX."""
    path = Path(raw)
    if not path.is_absolute() and cwd:
        path = Path(cwd) / path
    for base in (root, Path(cwd) if cwd else None):
        if base is not None and path.is_absolute() and path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return path.as_posix()
