"""The lines of a Claude Code transcript and what one record says (DESIGN.md §5).

A transcript is JSON lines that only ever grow. Lines are read forwards or
backwards in `CHUNK` steps with memory bounded whatever the size: a line that
is cut short (Claude Code is still writing it), is not JSON, or is longer than
`MAX_LINE` is skipped and counted, never fatal. A line nested deeper than
Python's JSON reader can follow is no line Claude Code writes: it is refused
by name and line number (a hook logs it and exits 0).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from gitsess.core.errors import GitSessError

LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # json.loads has joined every whole pair
MAX_LINE = 16 * 1024 * 1024  # a longer line (a huge tool result) is skipped, not held
CHUNK = 256 * 1024
CONTINUED_TEXT = "This session is being continued from a previous conversation"
INTERRUPTED = "[Request interrupted by user"  # Claude Code writes it as if the user had
# Claude Code's own tags around what it records as a user's turn.
WRAPPER = re.compile(
    r"<(command-[a-z]+|local-command-[a-z]+|bash-[a-z]+|system-reminder|user-memory-input"
    r"|[a-z]+(?:-[a-z]+)*-hook)>"
)
MAX_PROMPT_CHARS = 2000


class TranscriptError(GitSessError):
    """A transcript that cannot be found, read, or belongs to another repository."""


def records_forward(handle: IO[bytes], counter: list[int]) -> Iterator[dict[str, Any]]:
    return _parsed(_lines_forward(handle), handle, counter)


def records_backward(handle: IO[bytes], counter: list[int]) -> Iterator[dict[str, Any]]:
    return _parsed(_lines_backward(handle), handle, counter)


# Each line with the byte offset where it starts (to name it in an error); the
# line is None when it was dropped for being over MAX_LINE.
Line = tuple[bytes | None, int]


def _lines_forward(handle: IO[bytes]) -> Iterator[Line]:
    pending, skipping, start = b"", False, handle.tell()
    while chunk := handle.read(CHUNK):
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for line in lines:
            yield (None if skipping else line), start
            start += len(line) + 1
            skipping = False
        if len(pending) > MAX_LINE:
            start += len(pending)  # the dropped bytes still count towards the offset
            pending, skipping = b"", True
    yield (None if skipping else pending), start


def _lines_backward(handle: IO[bytes]) -> Iterator[Line]:
    position = handle.seek(0, os.SEEK_END)
    pending, skipping = b"", False
    while position > 0:
        step = min(CHUNK, position)
        position -= step
        handle.seek(position)
        buffer = handle.read(step) + pending
        lines = buffer.split(b"\n")
        pending = lines.pop(0)
        end = position + len(buffer)
        for line in reversed(lines):
            start = end - len(line)
            yield (None if skipping else line), start
            end = start - 1
            skipping = False
        if len(pending) > MAX_LINE:
            pending, skipping = b"", True
    yield (None if skipping else pending), 0


def _parsed(
    lines: Iterator[Line], handle: IO[bytes], counter: list[int]
) -> Iterator[dict[str, Any]]:
    for line, start in lines:
        if line is None:
            counter[0] += 1
            continue
        try:
            record = _parse(line, counter)
        except RecursionError:
            raise _too_deep(handle, start) from None
        if record is not None:
            yield record


def _parse(line: bytes, counter: list[int]) -> dict[str, Any] | None:
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except ValueError:  # cut short, not JSON, not UTF-8
        counter[0] += 1
        return None
    if not isinstance(record, dict):
        counter[0] += 1
        return None
    return record


def _too_deep(handle: IO[bytes], start: int) -> TranscriptError:
    """The error for a line nested too deep, naming it by number. Counting the
    newlines before it reads the file once more, on this error path only."""
    handle.seek(0)
    number, left = 1, start
    while left > 0 and (chunk := handle.read(min(CHUNK, left))):
        number += chunk.count(b"\n")
        left -= len(chunk)
    return TranscriptError(
        f"{handle.name}:{number}: a JSON line nested too deep to read",
        "this is not a line Claude Code writes; remove it or pass another transcript",
    )


def written_time(handle: IO[bytes]) -> dt.datetime | None:
    """When the open file was last written (its modification time), local."""
    try:
        return dt.datetime.fromtimestamp(os.fstat(handle.fileno()).st_mtime).astimezone()
    except (OSError, ValueError):
        return None


def open_transcript(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except OSError as error:
        raise TranscriptError(
            f"cannot read transcript {path}: {error.strerror}", "check the path and permissions"
        ) from None


def message_of(record: dict[str, Any]) -> dict[str, Any]:
    message = record.get("message")
    return message if isinstance(message, dict) else {}


def context_of(usage: Any) -> tuple[int, int] | None:
    """(input side, with the reply's output) of an assistant record's usage."""
    if not isinstance(usage, dict):
        return None
    keys = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    parts = [usage.get(key) for key in keys]
    if not any(isinstance(part, int) for part in parts):
        return None
    inputs = sum(part for part in parts if isinstance(part, int))
    if inputs == 0:
        return None  # a reply Claude Code made up itself (an API error): no context figure
    output = usage.get("output_tokens")
    return inputs, inputs + (output if isinstance(output, int) else 0)


def is_main_reply(record: dict[str, Any]) -> bool:
    # Sub-agents (sidechains) have a context of their own.
    return record.get("type") == "assistant" and not record.get("isSidechain")


def model_of(message: dict[str, Any]) -> str | None:
    """The model that wrote a reply; None for one Claude Code wrote itself
    (`<synthetic>`: an API error, an interruption), whose usage is all zeros."""
    model = message.get("model")
    return model if isinstance(model, str) and not model.startswith("<") else None


def clean(text: str) -> str:
    """`text` as it can be written: JSON lets a transcript hold half of a UTF-16
    pair (an emoji cut in two), which UTF-8 cannot encode."""
    return LONE_SURROGATE.sub("\ufffd", text)


def prompt_text(record: dict[str, Any]) -> str | None:
    """The words a person typed, or None (tool results, summaries, meta records)."""
    if record.get("type") != "user" or record.get("isSidechain") or record.get("isMeta"):
        return None
    if record.get("isCompactSummary"):
        return None
    content = message_of(record).get("content")
    if isinstance(content, list):
        if any(isinstance(i, dict) and i.get("type") == "tool_result" for i in content):
            return None
        texts = [i.get("text") for i in content if isinstance(i, dict) and i.get("type") == "text"]
        content = "\n".join(t for t in texts if isinstance(t, str))
    if not isinstance(content, str) or not content.strip():
        return None
    if content.startswith(CONTINUED_TEXT) or content.lstrip().startswith(INTERRUPTED):
        return None  # the old compaction summary; Claude Code's own marker
    if WRAPPER.match(content.lstrip()):
        return None  # a slash command, its output, a hook's words: not typed as a request
    return clean(content.strip()[:MAX_PROMPT_CHARS])


def is_boundary(record: dict[str, Any]) -> bool:
    if record.get("type") == "system" and record.get("subtype") == "compact_boundary":
        return True
    content = message_of(record).get("content") if record.get("type") == "user" else None
    if isinstance(content, list):
        content = next((i.get("text") for i in content if isinstance(i, dict)), None)
    # Older transcripts mark a compaction only by the summary's opening words.
    return isinstance(content, str) and content.startswith(CONTINUED_TEXT)


def timestamp_of(record: dict[str, Any]) -> dt.datetime | None:
    raw = record.get("timestamp")
    if not isinstance(raw, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
