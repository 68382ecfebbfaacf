"""Legacy exports: the ones people wrote by hand, without frontmatter (DESIGN.md §3.1).

Their title is the `# Session: X` (or `# Session Log: X`) heading, their fields bold
lines written either `**Date**: …` or `**Date:** …`, their type told by the sections
they have. Only the text is read here; the model turns what is found into a Session.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from gitsess.core.names import one_line, parse_date

_SESSION_TITLE = re.compile(r"^#\s+Session(?:\s+Log)?\s*:\s*(.+?)\s*$", re.M)
_ANY_TITLE = re.compile(r"^#\s+(.+?)\s*$", re.M)
_BOLD_FIELD = re.compile(r"^\*\*([A-Za-z][A-Za-z ]*?)(?:\*\*\s*:|\s*:\*\*)[ \t]*(.*?)[ \t]*$", re.M)
_SECTION = re.compile(r"^#{2,3}\s+(.+?)\s*$", re.M)
_MENTION = re.compile(r"\bsession_\d{8}_[A-Za-z0-9_]+(?:\.md)?")
_TYPE_BY_SECTION = (
    ("bug", ("root cause", "symptoms")),
    ("research", ("findings", "questions")),
    ("operation", ("commands to monitor",)),
    ("checkpoint", ("recovery instructions",)),
    ("reflection", ("what worked", "lessons")),
    ("roadmap", ("phases",)),
)
_OBJECTIVE_SECTIONS = ("session objectives", "objectives", "objective", "mission", "operation")


class LegacyFacts(NamedTuple):
    """What a hand-written export tells of itself; None where it says nothing."""

    title: str | None
    date: str | None  # ISO
    status: str | None
    tokens: int | None
    token_limit: int | None
    duration: str | None
    type: str  # by its sections; feature when they tell nothing
    summary: str | None  # the first line of its objectives


def read_legacy(text: str) -> LegacyFacts:
    """The facts of a hand-written export, from its headings and bold lines."""
    fields = legacy_fields(text)
    tokens, token_limit = legacy_tokens(fields["tokens"]) if "tokens" in fields else (None, None)
    sections = [heading.lower() for heading in _SECTION.findall(text)]
    return LegacyFacts(
        title=title_from_text(text),
        date=parse_date(fields["date"][:10]) if "date" in fields else None,
        status=legacy_status(fields["status"]) if "status" in fields else None,
        tokens=tokens,
        token_limit=token_limit,
        duration=fields.get("duration"),
        type=next(
            (kind for kind, names in _TYPE_BY_SECTION if any(s in names for s in sections)),
            "feature",
        ),
        summary=_first_line_of_section(text, _OBJECTIVE_SECTIONS),
    )


def legacy_fields(text: str) -> dict[str, str]:
    """`**Key**: value` and `**Key:** value` lines, keys lower-cased (first one wins)."""
    found: dict[str, str] = {}
    for key, value in _BOLD_FIELD.findall(text):
        found.setdefault(key.strip().lower(), value.strip())
    return found


def legacy_status(raw: str) -> str:
    words = raw.lower()
    if "incomplete" in words or "progress" in words or "ongoing" in words:
        return "in-progress"
    # `done` as a word: "abandoned" holds it too.
    if "complete" in words or "finished" in words or re.search(r"\bdone\b", words):
        return "complete"
    if "block" in words:
        return "blocked"
    if any(word in words for word in ("abandon", "cancel", "dropped")):
        return "abandoned"
    return "in-progress"


def legacy_tokens(raw: str) -> tuple[int | None, int | None]:
    """`77,895/200,000 (38%)` -> (77895, 200000); the limit is optional."""
    match = re.match(r"\s*([\d][\d,_]*)\s*(?:/\s*([\d][\d,_]*))?", raw)
    if not match:
        return None, None
    used = int(re.sub(r"[,_]", "", match.group(1)))
    limit = int(re.sub(r"[,_]", "", match.group(2))) if match.group(2) else None
    return used, limit


def mentioned_sessions(text: str) -> list[str]:
    """Session ids named in the text, in order of first mention, with `.md`."""
    seen: dict[str, None] = {}
    for mention in _MENTION.findall(text):
        seen.setdefault(mention if mention.endswith(".md") else mention + ".md")
    return list(seen)


def title_from_text(text: str) -> str | None:
    """`# Session: X`, `# Session Log: X`, else the first `# ` heading."""
    match = _SESSION_TITLE.search(text) or _ANY_TITLE.search(text)
    return one_line(match.group(1).strip("# ")) if match else None


def _first_line_of_section(text: str, names: tuple[str, ...]) -> str | None:
    headings = list(_SECTION.finditer(text))
    for index, heading in enumerate(headings):
        if heading.group(1).lower() not in names:
            continue
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        for line in text[heading.end() : end].splitlines():
            line = re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", line).strip()
            if line and not line.startswith(("#", "---", "<!--")):
                return one_line(line)
    return None
