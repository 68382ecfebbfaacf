"""Claude Code transcripts (DESIGN.md §5): where they are and what they say.

A transcript is JSON lines that only ever grow, to hundreds of MB (its lines and
records: `records.py`). Two readers, both with memory bounded whatever the size:
- `read_tail` reads backwards from the end until it meets the newest reply of
  the main conversation: the current context size, in milliseconds;
- `scan_transcript` streams the whole file once for everything else.
A line that is cut short (Claude Code is still writing it), is not JSON, or is
longer than `MAX_LINE` is skipped and counted, never fatal.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from pathlib import Path
from typing import Any

from gitsess.assistant.codex_rollout import is_rollout, read_rollout_tail, refuse_compressed
from gitsess.assistant.conversations import find_conversation
from gitsess.assistant.locating import first_value, within
from gitsess.assistant.records import (
    TranscriptError,
    clean,
    context_of,
    is_boundary,
    is_main_reply,
    message_of,
    model_of,
    open_transcript,
    prompt_text,
    records_backward,
    records_forward,
    timestamp_of,
    written_time,
)
from gitsess.assistant.shapes import CODEX, Compaction, Scan, Tail, relative_path

# tool -> the input key naming the file it writes
WRITING_TOOLS = {
    "Write": "file_path",
    "Edit": "file_path",
    "MultiEdit": "file_path",
    "NotebookEdit": "notebook_path",
}
MAX_FILES = 2000
MAX_COMMANDS = 500
MAX_COMMAND_CHARS = 500  # a longer command is kept cut to this
RECENT_PROMPTS = 8
IDENTITY = (("session_id", "sessionId"), ("cwd", "cwd"))  # attribute, record key
# The record types read. Claude Code adds others (progress, attachments, titles,
# queue operations, …): they are skipped whole, so a field of theirs that looks
# like a reply's or a request's is never taken for one.
KNOWN_TYPES = frozenset({"user", "assistant", "system", "summary"})
CURRENT_FOR = dt.timedelta(days=1)  # a transcript written longer ago is no current conversation


# --- the end of a transcript ----------------------------------------------------------


def read_tail(path: Path) -> Tail:
    """The newest main-conversation reply after the last compaction, read backwards
    (of a Codex rollout: its newest token count, `codex_rollout.py`)."""
    refuse_compressed(path)
    if is_rollout(path):
        return read_rollout_tail(path)
    tail = Tail(path=path)
    counter = [0]
    with open_transcript(path) as handle:
        tail.written = written_time(handle)
        for record in records_backward(handle, counter):
            if record.get("type") not in KNOWN_TYPES:
                continue
            _note_identity(tail, record)
            if tail.compacted:  # the record before the summary: its boundary, if any
                _note_compaction(tail, record)
                break
            if is_boundary(record):
                tail.compacted = True
                tail.compacted_at = timestamp_of(record)
                if record.get("type") == "system":
                    _note_compaction(tail, record)
                    break
                continue
            if not is_main_reply(record):
                continue
            sizes = context_of(message_of(record).get("usage"))
            if sizes is None:
                continue
            tail.input_tokens, tail.context_tokens = sizes
            tail.model = model_of(message_of(record))
            break
    tail.skipped_lines = counter[0]
    return tail


def is_current(tail: Tail, now: dt.datetime) -> bool:
    """Whether the transcript was written recently enough to be a conversation
    going on now (an old one is history, not "the current conversation")."""
    return tail.written is not None and now - tail.written <= CURRENT_FOR


def _note_compaction(tail: Tail, record: dict[str, Any]) -> None:
    meta = record.get("compactMetadata") if record.get("subtype") == "compact_boundary" else None
    if isinstance(meta, dict):
        trigger, peak = meta.get("trigger"), meta.get("preTokens")
        tail.compaction_trigger = trigger if isinstance(trigger, str) else None
        tail.compaction_peak = peak if isinstance(peak, int) else None


def _note_identity(tail: Tail, record: dict[str, Any]) -> None:
    """Fill each field from the newest record that has it."""
    if tail.last_time is None:
        tail.last_time = timestamp_of(record)
    _keep_first(tail, record, (*IDENTITY, ("branch", "gitBranch"), ("version", "version")))


def _keep_first(target: Any, record: dict[str, Any], fields: tuple[tuple[str, str], ...]) -> None:
    """Set each still-empty attribute from the record's key of that name."""
    for attribute, key in fields:
        value = record.get(key)
        if getattr(target, attribute) is None and isinstance(value, str) and value:
            setattr(target, attribute, value)


def read_start(path: Path) -> dt.datetime | None:
    """The time of the first record that has one (read from the front)."""
    counter = [0]
    with open_transcript(path) as handle:
        for number, record in enumerate(records_forward(handle, counter)):
            moment = timestamp_of(record)
            if moment is not None or number > 50:
                return moment
    return None


# --- the whole transcript -------------------------------------------------------------


class _Scanner:
    """One pass over the records; every collection it keeps has a size limit."""

    def __init__(self, path: Path, root: Path | None) -> None:
        self.scan = Scan(path=path)
        self.root = root
        self.touched: dict[str, str] = {}  # path -> "created" | "modified", first touch wins
        self.read_first: set[str] = set()
        self.commands: dict[str, None] = {}
        self.recent: deque[str] = deque(maxlen=RECENT_PROMPTS)
        self.peak = 0
        self.boundary_open = False  # a boundary record seen, its summary not yet

    def feed(self, record: dict[str, Any]) -> None:
        if record.get("type") not in KNOWN_TYPES:
            return
        scan = self.scan
        moment = timestamp_of(record)
        scan.saw(moment)
        _keep_first(scan, record, IDENTITY)
        uuid = record.get("uuid")
        scan.until = uuid if isinstance(uuid, str) and uuid else scan.until
        branch = record.get("gitBranch")
        if isinstance(branch, str) and branch and branch not in scan.branches[-100:]:
            scan.branches.append(branch)
        if is_boundary(record):
            self._compaction(record, moment)
        elif is_main_reply(record):
            self.boundary_open = False
            self._reply(record)
        else:
            self._prompt(record)

    def _compaction(self, record: dict[str, Any], moment: dt.datetime | None) -> None:
        meta = record.get("compactMetadata")
        meta = meta if isinstance(meta, dict) else {}
        summary_of_last = record.get("type") == "user" and self.boundary_open
        self.boundary_open = record.get("type") == "system"
        if summary_of_last:
            return  # the summary that follows a boundary record, not a second compaction
        pre = meta.get("preTokens")
        trigger = meta.get("trigger")
        self.scan.compactions.append(
            Compaction(
                time=moment,
                trigger=trigger if isinstance(trigger, str) else None,
                peak_tokens=pre if isinstance(pre, int) else (self.peak or None),
            )
        )
        self.peak = 0
        self.scan.context_tokens = self.scan.input_tokens = None

    def _reply(self, record: dict[str, Any]) -> None:
        message = message_of(record)
        sizes = context_of(message.get("usage"))
        if sizes is not None:
            self.scan.input_tokens, self.scan.context_tokens = sizes
            self.peak = max(self.peak, sizes[1])
        self.scan.model = model_of(message) or self.scan.model
        content = message.get("content")
        for item in content if isinstance(content, list) else ():
            if isinstance(item, dict) and item.get("type") == "tool_use":
                self._tool(item.get("name"), item.get("input"))

    def _tool(self, name: Any, given: Any) -> None:
        if not isinstance(given, dict):
            return
        if name == "Bash":
            command = given.get("command")
            if isinstance(command, str) and command.strip() and len(self.commands) < MAX_COMMANDS:
                self.commands.setdefault(clean(" ".join(command.split())[:MAX_COMMAND_CHARS]))
            return
        key = WRITING_TOOLS.get(name) if isinstance(name, str) else None
        if name == "Read" and isinstance(given.get("file_path"), str):
            if len(self.read_first) < MAX_FILES:
                self.read_first.add(self._relative(given["file_path"]))
            return
        target = given.get(key) if key else None
        if not isinstance(target, str) or not target or len(self.touched) >= MAX_FILES:
            return
        relative = self._relative(target)
        # A Write of a file never read or edited before is taken as its creation.
        fresh = name == "Write" and relative not in self.read_first
        self.touched.setdefault(relative, "created" if fresh else "modified")

    def _relative(self, raw: str) -> str:
        return relative_path(clean(raw), self.scan.cwd, self.root)

    def _prompt(self, record: dict[str, Any]) -> None:
        text = prompt_text(record)
        if text is None:
            return
        self.scan.prompt_count += 1
        self.scan.first_prompt = self.scan.first_prompt or text
        self.recent.append(text)

    def finish(self, skipped: int) -> Scan:
        scan = self.scan
        scan.files_created = sorted(p for p, kind in self.touched.items() if kind == "created")
        scan.files_modified = sorted(p for p, kind in self.touched.items() if kind == "modified")
        scan.commands = list(self.commands)
        scan.recent_prompts = list(self.recent)
        scan.skipped_lines = skipped
        return scan


def scan_transcript(path: Path, root: Path | None = None, after: str | None = None) -> Scan:
    """Stream the whole transcript. File paths are made relative to `root` (the
    work tree) or to the transcript's own working directory. With `after` (a
    record's uuid), only what follows that record counts; when no record has it,
    all of the transcript does."""
    refuse_compressed(path)
    if is_rollout(path):
        from gitsess.assistant.codex_scan import scan_rollout  # a whole scan: seldom

        return scan_rollout(path, root, after)
    scanner = _Scanner(path, root)
    counter = [0]
    with open_transcript(path) as handle:
        for record in records_forward(handle, counter):
            scanner.feed(record)
            if after is not None and record.get("uuid") == after:
                scanner = _restarted(scanner, after)
    return scanner.finish(counter[0])


def _restarted(before: _Scanner, after: str) -> _Scanner:
    """A scanner for what follows: it still knows which files existed before."""
    scanner = _Scanner(before.scan.path, before.root)
    scanner.scan.session_id, scanner.scan.cwd = before.scan.session_id, before.scan.cwd
    scanner.scan.after = scanner.scan.until = after
    scanner.read_first = before.read_first | set(before.touched)
    return scanner


def tail_for(root: Path, ref: str | None) -> Tail:
    """The end of the transcript `ref` names, refusing another repository's."""
    tail = read_tail(find_conversation(root, ref))
    require_ours(tail, root)
    return tail


def scan_for(root: Path, ref: str | None, after: str | None = None) -> Scan:
    """Scan the transcript `ref` names (from `after`: see `scan_transcript`),
    refusing another repository's."""
    path = find_conversation(root, ref)
    scan = scan_transcript(path, root, after)
    require_ours(scan, root)
    return scan


# --- whose transcript -----------------------------------------------------------------


def require_ours(found: Tail | Scan, root: Path) -> None:
    """Refuse a file that is not a Claude Code transcript or a Codex rollout (no
    record names its session), and one whose conversation ran in another directory tree."""
    path = found.path
    if found.assistant == CODEX and found.session_id is None and _size(path) > 0:
        raise TranscriptError(
            f"{path} is not a Codex rollout: no session_meta line names its session",
            "name a rollout-*.jsonl file under ~/.codex/sessions/, or a session id",
        )
    if found.session_id is None and _size(path) > 0:
        raise TranscriptError(
            f"{path} is not a Claude Code transcript: no line is a record with a sessionId",
            "name a .jsonl file under ~/.claude/projects/, or a session id",
        )
    # Where the conversation started: it may have gone on in other directories.
    cwd = first_value(path, "cwd") or found.cwd
    if cwd is None or within(cwd, root):
        return
    raise TranscriptError(
        f"transcript {path} is of {cwd}, not of this repository ({root})",
        f"run this in {cwd}, or name one of this repository's by path or session id",
    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
