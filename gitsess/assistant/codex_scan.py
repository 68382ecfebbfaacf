"""A whole Codex rollout in one pass (`codex_rollout.py` says what its lines are):
the facts an export or a checkpoint is drafted from, as `transcript.py` finds
them in a Claude Code transcript.

- files written: the headers of each `apply_patch` (Codex's edit tool, a
  `custom_tool_call`, or a `function_call` of that name in older versions, or
  `apply_patch <<'EOF'` run through the shell), relative to the turn's cwd;
- commands run: `shell`'s argv (`["bash", "-lc", "…"]`), `exec_command`'s
  `cmd`, the legacy `local_shell_call`;
- requests: the `user_message` events, which hold what the user typed; the
  `response_item` copies (wrapped in Codex's own context) only for a rollout
  that has no such event;
- compactions: a `compacted` line and the `context_compacted` event beside it
  are one compaction;
- a response that did not fit: the context is the window Codex marks full
  (`codex_rollout.overflowed`), which is no peak a compaction started from.
A next part of an export starts after the line the last part ended at: the
lines of a rollout carry no id, but they are only ever appended.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from typing import Any

from gitsess.assistant.codex_rollout import (
    KINDS,
    applied,
    is_compaction,
    meta_facts,
    overflowed,
    payload_of,
    text_of,
    token_count,
    tool_call,
    window_of,
)
from gitsess.assistant.records import MAX_PROMPT_CHARS, clean, open_transcript, records_forward
from gitsess.assistant.records import timestamp_of as time_of
from gitsess.assistant.shapes import CODEX, Compaction, Scan, relative_path

MAX_FILES = 2000
MAX_COMMANDS = 500
MAX_COMMAND_CHARS = 500  # as transcript.py: a longer command is kept cut to this
RECENT_PROMPTS = 8
LINE_MARK = "rollout-line-"  # `transcript_until: rollout-line-1234`
# Codex's own words in a user turn: its context, the instructions it passes on,
# a shell command typed with `!`, an interrupted turn.
WRAPPED = re.compile(r"^\s*(?:<[a-z_ -]+>|# AGENTS\.md instructions)", re.IGNORECASE)
PATCH_HEADER = re.compile(r"^\*\*\* (Add File|Update File|Delete File|Move to): (.+?)\s*$", re.M)


def patch_paths(patch: str) -> list[tuple[str, str]]:
    """(path, created | modified) for each file an apply_patch names: a file
    added, or moved to, is created; one updated or deleted is modified."""
    return [
        (path, "created" if action in ("Add File", "Move to") else "modified")
        for action, path in PATCH_HEADER.findall(patch)
    ]


def prompt_of(text: Any) -> str | None:
    if not isinstance(text, str) or not text.strip() or WRAPPED.match(text):
        return None
    return clean(text.strip()[:MAX_PROMPT_CHARS])


class _Prompts:
    def __init__(self) -> None:
        self.count = 0
        self.first: str | None = None
        self.recent: deque[str] = deque(maxlen=RECENT_PROMPTS)

    def add(self, text: str | None) -> None:
        if text is None:
            return
        self.count += 1
        self.first = self.first or text
        self.recent.append(text)


class _Scanner:
    """One pass over the records; every collection it keeps has a size limit."""

    def __init__(self, path: Path, root: Path | None) -> None:
        self.scan = Scan(path=path, assistant=CODEX)
        self.root = root
        self.turn_cwd: str | None = None  # where the current turn runs
        self.touched: dict[str, str] = {}  # path -> created | modified, first touch wins
        self.commands: dict[str, None] = {}
        self.typed, self.copied = _Prompts(), _Prompts()  # user_message events, response items
        self.peak = 0
        self.marker: str | None = None  # the compaction line just read, its pair not yet
        # A rollout of a gigabyte has millions of lines: the time of the last is
        # parsed once at the end, and each file's path made relative once.
        self.last_stamp: str | None = None
        self.relative: dict[tuple[str, str | None], str] = {}

    def feed(self, record: dict[str, Any], line: int) -> None:
        kind, payload = record.get("type"), payload_of(record)
        if kind not in KINDS and kind != "token_usage_record":
            return
        scan = self.scan
        if scan.start is None:
            scan.saw(time_of(record))
        stamp = record.get("timestamp")
        self.last_stamp = stamp if isinstance(stamp, str) else self.last_stamp
        scan.until = f"{LINE_MARK}{line}"
        if kind == "session_meta":
            self._meta(payload)
        elif is_compaction(record):
            self._compaction(str(kind), time_of(record))
        elif overflowed(record):  # the window marked full: the context, not a peak reached
            self.marker = None
            full = window_of(record)
            if full is not None:
                scan.input_tokens = scan.context_tokens = full
        elif (sizes := token_count(record)) is not None:
            self.marker = None
            scan.input_tokens, scan.context_tokens = sizes
            self.peak = max(self.peak, sizes[1])
        elif kind == "turn_context":
            self.marker = None
            scan.model = text_of(payload.get("model")) or scan.model
            self.turn_cwd = text_of(payload.get("cwd")) or self.turn_cwd
        elif kind == "event_msg" and payload.get("type") == "user_message":
            self.marker = None
            self.typed.add(prompt_of(payload.get("message")))
        elif kind == "response_item":
            self.marker = None
            self._item(payload)

    def _meta(self, payload: dict[str, Any]) -> None:
        """The rollout's own session_meta (a fork's copy of its parent's does not count)."""
        if self.scan.session_id is not None:
            return
        facts = meta_facts(payload)
        self.scan.session_id, self.scan.cwd = facts["session_id"], facts["cwd"]
        self.turn_cwd = self.turn_cwd or facts["cwd"]
        if facts["branch"]:
            self.scan.branches.append(facts["branch"])

    def _compaction(self, kind: str, moment: Any) -> None:
        if self.marker is not None and self.marker != kind:
            self.marker = None  # the other line of the same compaction
            return
        self.marker = kind
        self.scan.compactions.append(
            Compaction(time=moment, trigger=None, peak_tokens=self.peak or None)
        )
        self.peak = 0
        self.scan.context_tokens = self.scan.input_tokens = None

    def _item(self, payload: dict[str, Any]) -> None:
        if payload.get("type") == "message" and payload.get("role") == "user":
            content = payload.get("content")
            texts = [
                prompt_of(item.get("text"))
                for item in (content if isinstance(content, list) else ())
                if isinstance(item, dict)
            ]
            kept = [text for text in texts if text]
            self.copied.add("\n".join(kept) if kept else None)
            return
        command, patch, workdir = tool_call(payload)
        if command is not None and applied(command) is None:
            self._command(command)
        patch = patch or (applied(command) if command else None)
        if patch is None:
            return
        where = workdir or self.turn_cwd or self.scan.cwd
        for raw, kind in patch_paths(patch):
            if len(self.touched) >= MAX_FILES:
                return
            known = self.relative.get((raw, where))
            if known is None:
                known = relative_path(clean(raw), where, self.root)
                if len(self.relative) < MAX_FILES * 4:
                    self.relative[(raw, where)] = known
            self.touched.setdefault(known, kind)

    def _command(self, command: str) -> None:
        if len(self.commands) < MAX_COMMANDS:
            self.commands.setdefault(clean(" ".join(command.split())[:MAX_COMMAND_CHARS]))

    def finish(self, skipped: int) -> Scan:
        scan = self.scan
        scan.saw(time_of({"timestamp": self.last_stamp}) if self.last_stamp else None)
        prompts = self.typed if self.typed.count else self.copied
        scan.first_prompt, scan.prompt_count = prompts.first, prompts.count
        scan.recent_prompts = list(prompts.recent)
        scan.files_created = sorted(p for p, kind in self.touched.items() if kind == "created")
        scan.files_modified = sorted(p for p, kind in self.touched.items() if kind == "modified")
        scan.commands = list(self.commands)
        scan.skipped_lines = skipped
        return scan


def scan_rollout(path: Path, root: Path | None = None, after: str | None = None) -> Scan:
    """Stream the whole rollout. File paths are made relative to `root` (the
    work tree) or to the turn's working directory. With `after`
    (`rollout-line-N`, where the last part ended), only what follows counts;
    when the rollout is shorter than that, all of it does."""
    scanner = _Scanner(path, root)
    counter, read = [0], 0
    with open_transcript(path) as handle:
        for record in records_forward(handle, counter):
            read += 1
            line = read + counter[0]  # lines skipped so far count: they are lines too
            scanner.feed(record, line)
            if after is not None and f"{LINE_MARK}{line}" == after:
                scanner = _restarted(scanner, after)
    return scanner.finish(counter[0])


def _restarted(before: _Scanner, after: str) -> _Scanner:
    """A scanner for what follows, knowing the conversation it is in."""
    scanner = _Scanner(before.scan.path, before.root)
    scanner.scan.session_id, scanner.scan.cwd = before.scan.session_id, before.scan.cwd
    scanner.scan.model, scanner.turn_cwd = before.scan.model, before.turn_cwd
    scanner.scan.after = scanner.scan.until = after
    return scanner
