"""OpenAI Codex CLI rollouts: what one says, read as a Claude Code transcript is.

A rollout (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`) is JSON
lines `{timestamp, type, payload}` that only ever grow, to gigabytes: its first
line is `session_meta` (id, cwd, cli_version, git); then `turn_context` (model,
cwd) once a turn, `response_item` (messages, tool calls), `event_msg` (the
user's prompts, `token_count` after each model response, `context_compacted`)
and `compacted` (a compaction's summary). Codex 0.171 adds line types of its own
(`token_usage_record`, `world_state`, …): every type or field not read here is
skipped. The same two readers as for Claude Code, memory bounded whatever the
size (records.py): `read_rollout_tail` reads backwards to the newest token
count, `scan_rollout` streams the file once.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gitsess.assistant.codex_config import codex_config_value
from gitsess.assistant.records import (
    MAX_LINE,
    TranscriptError,
    clean,
    open_transcript,
    records_backward,
    timestamp_of,
    written_time,
)
from gitsess.assistant.shapes import CODEX, Tail

KINDS = frozenset({"session_meta", "response_item", "compacted", "turn_context", "event_msg"})
# Codex reserves this share of its window for itself: the window it records
# (`model_context_window`, 258,400 of GPT-5's 272,000) is 95 % of the model's.
EFFECTIVE_SHARE = 0.95
# It compacts by itself when a response's context reaches 90 % of the model's
# window (244,800 of 272,000): `auto_compact_token_limit` in codex-rs
# `openai_models.rs`; `model_auto_compact_token_limit` in config.toml can only lower it.
COMPACT_SHARE = 0.9
HEAD_RECORDS = 5  # session_meta is the first line; a few more are looked at, no more
# Once the newest token count is found, a model (or what a compaction started
# from) further back than this many records is not looked for (a turn_context
# comes once a turn).
LOOKBACK = 5000
EXCEEDED = "context_window_exceeded"  # Codex's CodexErrorInfo for a response that did not fit
EXCEEDED_TEXT = "ran out of room in the model's context window"  # its message's words


# Codex 0.171's feature `local_thread_store_compression` (under development, off
# by default) writes `rollout-…-<id>.jsonl.zst`: zstd frames, which start so.
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
COMPRESSED = ".jsonl.zst"


def is_compressed(path: Path) -> bool:
    """Whether `path` is a zstd-compressed rollout (by its name or its first bytes)."""
    if path.name.endswith(COMPRESSED):
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(len(ZSTD_MAGIC)) == ZSTD_MAGIC
    except OSError:
        return False


class CompressedRollout(TranscriptError):
    """A rollout Codex compressed: found, but not read."""


def refuse_compressed(path: Path) -> None:
    """Refuse a compressed rollout by name. Not read: Python has no zstd reader
    before 3.14, and a zstd stream cannot be read backwards from its end, which is
    how `status` reads a rollout of gigabytes in milliseconds."""
    if is_compressed(path):
        command = f"zstd -d {path}" if path.name.endswith(".zst") else f"zstd -dc {path} > x.jsonl"
        raise CompressedRollout(
            f"{path} is a compressed Codex rollout (.jsonl.zst)",
            f"decompress it (`{command}`) and name the .jsonl: git sess reads no zstd",
        )


def head_records(path: Path) -> Iterator[dict[str, Any]]:
    """The first few records, read line by line: `session_meta` is the first
    line, and a search through many rollouts reads no more than it needs."""
    with contextlib.suppress(OSError), path.open("rb") as handle:
        for _ in range(HEAD_RECORDS):
            line = handle.readline(MAX_LINE + 1)
            if not line or len(line) > MAX_LINE:
                return
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                continue  # a line cut short: the next may still be read
            if isinstance(record, dict):
                yield record


def is_rollout(path: Path) -> bool:
    """Whether `path` holds Codex lines (`{timestamp, type, payload}`), by its first records."""
    return any(
        record.get("type") in KINDS and isinstance(record.get("payload"), dict)
        for record in head_records(path)
    )


def object_of(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def payload_of(record: dict[str, Any]) -> dict[str, Any]:
    return object_of(record.get("payload"))


def text_of(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def number_of(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def session_meta(path: Path) -> dict[str, Any]:
    """The rollout's own `session_meta` (its first line; a resumed conversation
    appends to the same file without another). Empty when there is none."""
    for record in head_records(path):
        if record.get("type") == "session_meta":
            return payload_of(record)
    return {}


def meta_facts(meta: dict[str, Any]) -> dict[str, str | None]:
    """id, cwd, cli_version, branch and commit of a `session_meta` payload
    (the id is `id`, or `session_id` in some versions)."""
    git = object_of(meta.get("git"))
    return {
        "session_id": text_of(meta.get("id")) or text_of(meta.get("session_id")),
        "cwd": text_of(meta.get("cwd")),
        "cli_version": text_of(meta.get("cli_version")),
        "branch": text_of(git.get("branch")),
        "commit": text_of(git.get("commit_hash")),
        "forked_from": text_of(meta.get("forked_from_id")),
    }


def is_compaction(record: dict[str, Any]) -> bool:
    """`compacted`, or the event `context_compacted` Codex writes beside it."""
    kind = record.get("type")
    return kind == "compacted" or (
        kind == "event_msg" and payload_of(record).get("type") == "context_compacted"
    )


def token_count(record: dict[str, Any]) -> tuple[int, int] | None:
    """(input, input + output) of a `token_count` event's newest
    response; None when it has no usage (`info` is null before the first
    response; older versions lack fields). A newer `token_usage_record` line
    carries the same usage, for a version that writes no token count."""
    kind, payload = record.get("type"), payload_of(record)
    if kind == "event_msg" and payload.get("type") == "token_count":
        usage = object_of(payload.get("info")).get("last_token_usage")
    elif kind == "token_usage_record":
        usage = payload.get("usage")
    else:
        return None
    if not isinstance(usage, dict):
        return None
    # `input_tokens` already holds the cached part; `output_tokens` the reasoning.
    inputs, output = number_of(usage.get("input_tokens")), number_of(usage.get("output_tokens"))
    if not inputs:
        return None
    return inputs, inputs + (output or 0)


def overflowed(record: dict[str, Any]) -> bool:
    """Whether `record` says a response did not fit the window. Codex then marks
    the window full with a token count (`fill_to_context_window` in codex-rs:
    a total of the window with no input or output in it, or, in later versions,
    a last usage whose input is the window and nothing else), and in an app
    server's extended history writes the `error` event
    (`codex_error_info: context_window_exceeded`)."""
    kind, payload = record.get("type"), payload_of(record)
    event = payload.get("type") if kind == "event_msg" else None
    if event == "error":
        info = payload.get("codex_error_info")
        named = info == EXCEEDED or (isinstance(info, dict) and EXCEEDED in info)
        return named or EXCEEDED_TEXT in str(payload.get("message"))
    if event == "turn_aborted":
        return EXCEEDED in str(payload.get("reason"))
    if event != "token_count":
        return False
    info = object_of(payload.get("info"))
    window = number_of(info.get("model_context_window"))
    last, total = object_of(info.get("last_token_usage")), object_of(info.get("total_token_usage"))
    if not window:
        return False
    if not _spent(total) and number_of(total.get("total_tokens")) == window:
        return True
    input_only = not number_of(last.get("output_tokens")) and not number_of(
        last.get("cached_input_tokens")
    )
    return input_only and number_of(last.get("input_tokens")) == window == last.get("total_tokens")


def _spent(usage: dict[str, Any]) -> bool:
    """A usage a response reported (some input or output), not a total Codex set."""
    return any(number_of(usage.get(key)) for key in ("input_tokens", "output_tokens"))


def window_of(record: dict[str, Any]) -> int | None:
    """The window a token count or a turn's start (`task_started` /
    `turn_started`) states."""
    payload = payload_of(record)
    if record.get("type") != "event_msg":
        return None
    if payload.get("type") == "token_count":
        return number_of(object_of(payload.get("info")).get("model_context_window"))
    if payload.get("type") in ("task_started", "turn_started"):
        return number_of(payload.get("model_context_window"))
    return None


def compact_at(window: int | None, configured: int | None) -> int | None:
    """Where Codex compacts a conversation whose recorded window is `window`."""
    if window is None:
        return None
    limit = int(round(window / EFFECTIVE_SHARE) * COMPACT_SHARE)
    return min(limit, configured) if configured and configured > 0 else limit


def configured_limit() -> int | None:
    """`model_auto_compact_token_limit` from $CODEX_HOME/config.toml, when set there."""
    return number_of(codex_config_value("model_auto_compact_token_limit"))


# --- the end of a rollout -------------------------------------------------------------


def read_rollout_tail(path: Path) -> Tail:
    """The newest token count after the last compaction, read backwards; the
    identity from `session_meta`, the model from the newest `turn_context`.
    Met first, a compaction leaves the context unknown until Codex's next token
    count (the counts before it, the compaction's own request among them, are
    what it started from), and a response that overflowed the window makes it
    the whole window (`overflowed`)."""
    tail = Tail(path=path, assistant=CODEX)
    facts = meta_facts(session_meta(path))
    tail.session_id, tail.cwd, tail.branch = facts["session_id"], facts["cwd"], facts["branch"]
    tail.version, tail.commit = facts["cli_version"], facts["commit"]
    counter, found_at = [0], None
    before: _Before | None = None  # what the newest compaction started from, being looked for
    with open_transcript(path) as handle:
        tail.written = written_time(handle)
        for number, record in enumerate(records_backward(handle, counter)):
            if tail.last_time is None:
                tail.last_time = timestamp_of(record)
            if record.get("type") == "turn_context" and tail.model is None:
                tail.model = text_of(payload_of(record).get("model"))
            tail.window = tail.window or window_of(record)
            if found_at is None:
                found_at, before = _newest(tail, record, number)
            elif before is not None:
                before.feed(tail, record)
            looking = before is not None and not before.done
            done = found_at is not None and tail.model is not None and tail.window is not None
            if (done and not looking) or (found_at is not None and number - found_at > LOOKBACK):
                break
    if tail.exceeded_at is not None and tail.window is not None:
        tail.input_tokens = tail.context_tokens = tail.window  # Codex marks the window full
    tail.skipped_lines = counter[0]
    return tail


def _newest(tail: Tail, record: dict[str, Any], number: int) -> tuple[int | None, _Before | None]:
    """Whether `record` is the newest word on the context: a compaction, an
    overflow, a token count. (Where it was found, what a compaction started from.)"""
    if is_compaction(record):
        tail.compacted, tail.compacted_at = True, timestamp_of(record)
        before = _Before(record)
        tail.compaction_peak = number_of(payload_of(record).get("tokens_before"))
        before.done = tail.compaction_peak is not None
        return number, before
    if overflowed(record):
        tail.exceeded_at = timestamp_of(record)
        return number, None
    sizes = token_count(record)
    if sizes is None:
        return None, None
    tail.input_tokens, tail.context_tokens = sizes
    return number, None


class _Before:
    """The newest token count before a compaction (in the same turn: the
    compaction's own request, or the response that reached the limit): the
    context the compaction started from. A second compaction met first ends the search."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.kinds = {_compaction_kind(record)}
        self.done = False

    def feed(self, tail: Tail, record: dict[str, Any]) -> None:
        if self.done:
            return
        if is_compaction(record):
            kind = _compaction_kind(record)
            self.done = kind in self.kinds  # the pair's other line is the same compaction
            self.kinds.add(kind)
            return
        sizes = token_count(record)
        if sizes is not None and not overflowed(record):
            tail.compaction_peak, self.done = sizes[1], True


def _compaction_kind(record: dict[str, Any]) -> str:
    return str(record.get("type"))


def compaction_summary(path: Path) -> str | None:
    """The summary of the newest compaction (`compacted.payload.message`), for the
    PostCompact hook, whose event carries none in Codex. Read backwards, as far
    as that compaction only."""
    with contextlib.suppress(TranscriptError), open_transcript(path) as handle:
        for record in records_backward(handle, [0]):
            if record.get("type") == "compacted":
                message = payload_of(record).get("message")
                return clean(message) if isinstance(message, str) and message.strip() else None
    return None


# --- commands a tool call ran ---------------------------------------------------------

SHELLS = ("bash", "sh", "zsh", "/bin/bash", "/bin/sh", "/bin/zsh", "/usr/bin/bash")


def call_arguments(payload: dict[str, Any]) -> dict[str, Any]:
    """A `function_call`'s arguments: a JSON string (an object in some versions)."""
    raw = payload.get("arguments")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            return {}
    return raw if isinstance(raw, dict) else {}


def command_text(command: Any) -> str | None:
    """The command line of `shell`'s argv (`["bash", "-lc", "…"]` is its script)
    or of `exec_command`'s string."""
    if isinstance(command, str):
        return command.strip() or None
    if not isinstance(command, list) or not all(isinstance(part, str) for part in command):
        return None
    if len(command) == 3 and command[0] in SHELLS and command[1] in ("-lc", "-c"):
        return command[2].strip() or None
    return " ".join(command).strip() or None


def tool_call(payload: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(command run, patch applied, its working directory) of a response item."""
    kind, name = payload.get("type"), payload.get("name")
    if kind == "custom_tool_call" and name == "apply_patch":
        return None, text_of(payload.get("input")), None
    if kind == "local_shell_call":
        action = object_of(payload.get("action"))
        return command_text(action.get("command")), None, text_of(action.get("workdir"))
    if kind != "function_call":
        return None, None, None
    arguments = call_arguments(payload)
    workdir = text_of(arguments.get("workdir"))
    if name == "apply_patch":
        return None, text_of(arguments.get("input")) or text_of(arguments.get("patch")), workdir
    if name in ("shell", "container.exec", "shell_command"):
        return command_text(arguments.get("command")), None, workdir
    if name == "exec_command":
        return command_text(arguments.get("cmd")), None, workdir
    return None, None, None


HEREDOC_PATCH = re.compile(r"^\s*(?:cd\s+\S+\s*&&\s*)?apply_patch\b")


def applied(command: str) -> str | None:
    """The patch of `apply_patch <<'EOF' …` run through the shell (Codex runs it
    as its own tool): an edit, not a command."""
    return command if HEREDOC_PATCH.match(command) and "*** Begin Patch" in command else None
