"""First drafts from a transcript: the sections of an export or a checkpoint that
facts can fill. Only what the user typed and what the tools were asked to do is
used; assistant text and tool output never are (that is where secrets live), and
what is used passes through `redact` first: a command line is where a password
gets typed (`psql postgres://app:…@db/app`, `PGPASSWORD=…`, `curl -H 'Authorization: …'`),
then `printable`: a transcript's control characters are written escaped."""

from __future__ import annotations

import re
from typing import Any

from gitsess.assistant.budget import Budget
from gitsess.assistant.shapes import CLAUDE, CODEX
from gitsess.assistant.transcript import MAX_COMMAND_CHARS, Scan
from gitsess.assistant.window import codex_compact_at
from gitsess.core.errors import printable
from gitsess.core.secrets import redact

ASSISTANT = CLAUDE  # of a checkpoint written without a transcript
MAX_OBJECTIVES = 8
MAX_LINE_CHARS = 200
MAX_LISTED = 50


def one_line(text: str, limit: int = MAX_LINE_CHARS) -> str:
    """A prompt as a single markdown-inert line: its first line of prose (not a
    code fence), spaces folded, cut at a word; a leading `#` or `>` cannot
    start a heading or a quote."""
    # Redacted whole (a cut hides nothing); control characters made visible, as a
    # terminal showing the file (cat, git diff) must not act on them.
    first = printable(" ".join(_first_prose(redact(text)).split()))
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0] + " …"
    return first.lstrip("#> ") or first


def _first_prose(text: str) -> str:
    """The first line outside a fenced code block (else the first line)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    fenced = False
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced:
            return line
    return next((line for line in lines if not line.lstrip().startswith(("```", "~~~"))), "")


def title_from(scan: Scan) -> str | None:
    return one_line(scan.first_prompt, 60) if scan.first_prompt else None


_PART = re.compile(r"^(?P<base>.+), part (?P<number>\d+)$")


def next_part_title(previous: str) -> str:
    """The default title of the part after `previous`: "X, part 2", then "X, part 3"."""
    found = _PART.match(previous)
    if found is None:
        return f"{previous}, part 2"
    return f"{found['base']}, part {int(found['number']) + 1}"


def objectives(scan: Scan, limit: int = MAX_OBJECTIVES) -> list[str]:
    prompts = [scan.first_prompt] if scan.first_prompt else []
    prompts += scan.recent_prompts
    lines = list(dict.fromkeys(one_line(p) for p in prompts if p))
    return [f"- {line}" for line in lines[-limit:]]


def listed(items: list[str], code: bool = True) -> list[str]:
    items = [printable(redact(item)) for item in items]
    shown = [f"- {_code(item)}" if code else f"- {item}" for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        shown.append(f"- … and {len(items) - MAX_LISTED} more")
    return shown


def _whole_words(command: str) -> str:
    """A command the transcript reader cut at its limit loses its last, partial
    word: half a token is no longer recognisable as one, and would be copied."""
    if len(command) < MAX_COMMAND_CHARS:
        return command
    return command.rsplit(" ", 1)[0] + " …"


def _code(text: str) -> str:
    """A code span that a backtick inside cannot end early."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def export_sections(scan: Scan) -> dict[str, list[str]]:
    return {
        "Session Objectives": objectives(scan),
        "Files Created": listed(scan.files_created),
        "Files Modified": listed(scan.files_modified),
        "Commands Run": listed([_whole_words(command) for command in scan.commands]),
    }


def transcript_metadata(scan: Scan, window: int) -> dict[str, Any]:
    """Frontmatter keys a transcript knows (DESIGN.md §3.1)."""
    metadata: dict[str, Any] = {}
    if scan.context_tokens is not None:
        metadata["tokens"] = scan.context_tokens
        metadata["token_limit"] = window
    metadata["assistant"] = scan.assistant
    if scan.session_id:
        metadata["transcript"] = scan.session_id
    return metadata


def context_line(scan: Scan, window: int) -> str | None:
    if scan.context_tokens is None:
        return None
    codex = scan.assistant == CODEX  # compacts at its own point, not Claude Code's
    budget = Budget(
        scan.context_tokens, window, compact_at=codex_compact_at(window) if codex else None
    )
    return (
        f"- Context: {budget.tokens:,} / {window:,} tokens"
        f" ({budget.share:.0%}, {budget.zone}); compactions so far: {len(scan.compactions)}"
    )
