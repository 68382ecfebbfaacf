"""Link values edited where they are written in a session's frontmatter.

`mv`, `link` and `unlink` change one link among others. Rewriting the whole key would
turn a block list into a flow list and drop the quoting and the comments written
around the links, so each link is replaced, removed or added where it is written.
Only the shapes matched below are edited so, and only when reading the result back
gives exactly the wanted links and all else as it was; anything else (a list written
as one string, a flow list over several lines, a key not there yet) is rewritten whole.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from gitsess.core.model import edit_frontmatter, parse_export, split_frontmatter

LINK_KEYS = ("prerequisite_sessions", "continuation_of")
_QUOTED = r"\"(?:[^\"\\\r\n]|\\.)*\"|'(?:[^'\r\n]|'')*'"
_PLAIN = r"[^\s\"'#,\[\]{}&*!|>%@`?:-](?:[^,\[\]{}#\r\n]*[^\s,\[\]{}#])?"
_SCALAR = rf"(?:{_QUOTED}|{_PLAIN})"
_FLOW = rf"\[[ \t]*(?:{_SCALAR}[ \t]*(?:,[ \t]*{_SCALAR}[ \t]*)*,?[ \t]*)?\]"
_VALUE = re.compile(rf"(?P<gap>[ \t]*)(?P<value>{_FLOW}|{_SCALAR})?(?P<tail>(?:[ \t]*#.*)?[ \t]*)")
_BLOCK_ITEM = re.compile(rf"(?P<value>{_SCALAR})(?P<tail>[ \t]+#.*|[ \t]*)")
_FLOW_ITEM = re.compile(rf"[ \t]*({_SCALAR})[ \t]*(?:,|$)")
_NULLS = frozenset({"", "null", "Null", "NULL", "~"})
_SAFE_PLAIN = re.compile(r"[A-Za-z_.][\w.\-/]*")  # text to YAML, unless one of these:
_YAML_WORDS = frozenset({"null", "true", "false", "yes", "no", "on", "off", ".inf", ".nan"})


def edit_links(text: str, changes: dict[str, Any]) -> str:
    """`edit_frontmatter(text, changes)`, but with the link keys edited in place
    where they can be: a block list stays a block list, each link keeps its
    quoting, and the comments on its lines stay."""
    rest = dict(changes)
    for key in LINK_KEYS:
        if key in changes:
            edited = _edited_in_place(text, key, changes[key])
            if edited is not None:
                text = edited
                del rest[key]
    return edit_frontmatter(text, rest) if rest else text


@dataclass(frozen=True)
class _Line:
    """A line split around the value written on it: `head value tail end`."""

    head: str  # through `key:` or `- `, with the blanks before the value
    value: str  # as written, quotes included; "" when none
    tail: str  # blanks and a comment after it
    end: str  # the line break

    def with_value(self, value: str) -> str:
        gap = " " if value and not self.value else ""  # `key:` had nothing after it
        return f"{self.head}{gap}{value}{self.tail}{self.end}"


def _split(line: str, pattern: re.Pattern[str], head: str) -> _Line | None:
    text = line[len(head) :].rstrip("\r\n")
    found = pattern.fullmatch(text)
    if found is None:
        return None
    value = found["value"] or ""
    if value and found["tail"].startswith("#"):
        return None  # `a#b` is one plain scalar in YAML, not a value and a comment
    gap = (found.groupdict().get("gap") or "") if value else ""
    tail = found["tail"] if value else text  # with no value, all after `key:` stays
    return _Line(head + gap, value, tail, line[len(head) + len(text) :])


def _edited_in_place(text: str, key: str, value: Any) -> str | None:
    block = split_frontmatter(text)
    if block is None:
        return None
    lines = re.findall(r"[^\n]*\n|[^\n]+$", block.yaml)
    name = re.escape(key)
    key_line = re.compile(rf"(?:{name}|\"{name}\"|'{name}')[ \t]*:(?=[ \t\r\n]|$)")
    found = [(number, m) for number, line in enumerate(lines) if (m := key_line.match(line))]
    if len(found) != 1:
        return None
    start, match = found[0]
    line = _split(lines[start], _VALUE, match.group())
    if line is None:
        return None
    if key == "continuation_of":
        edited = _scalar_set(lines, start, line, value)
    else:
        edited = _list_set(lines, start, line, [str(item) for item in value or []])
    if edited is None:
        return None
    updated = text[: block.yaml_start] + "".join(edited) + text[block.yaml_end :]
    return updated if _reads_back(text, updated, key, value) else None


def _scalar_set(lines: list[str], start: int, line: _Line, value: Any) -> list[str] | None:
    """`continuation_of` set to `value` (None: null), written as the old one was."""
    if line.value.startswith("[") or not (value is None or isinstance(value, str)):
        return None
    if value is None:
        token = line.value if line.value in _NULLS else "null"
    else:
        token = _written_as(value, "" if line.value in _NULLS else line.value)
    return [*lines[:start], line.with_value(token), *lines[start + 1 :]]


def _list_set(lines: list[str], start: int, line: _Line, wanted: list[str]) -> list[str] | None:
    """`prerequisite_sessions` made `wanted` by replacing, removing and adding
    links where the list is written, flow or block."""
    items = _block_items(lines, start + 1)
    if items:
        return _block_set(lines, start, line, items, wanted)
    if line.value in _NULLS:
        if not wanted:
            return lines
        flow = "[]"
    elif line.value.startswith("["):
        flow = line.value
    else:
        return None  # a list written as one string: rewritten whole
    inner = flow[1:-1]
    written = []
    position = 0
    while position < len(inner.rstrip(" \t,")):
        item = _FLOW_ITEM.match(inner, position)
        if item is None:
            return None
        written.append(item.group(1))
        position = item.end()
    before, own, after = _aligned(written, wanted)
    tokens = list(before)
    for token, added in zip(own, after, strict=True):
        tokens += [token, *added] if token else added
    separator = re.search(r"[ \t]*,[ \t]*", inner)
    joined = (separator.group() if separator else ", ").join(tokens)
    if written and tokens:  # keep `[ a, b ]` spaced as it was
        joined = inner[: len(inner) - len(inner.lstrip())] + joined + inner[len(inner.rstrip()) :]
    return [*lines[:start], line.with_value(f"[{joined}]"), *lines[start + 1 :]]


def _block_items(lines: list[str], first: int) -> list[tuple[int, _Line]]:
    """The `- link` lines of a block list from line `first` on, with the blank and
    comment lines among them left out, each with its line number."""
    items: list[tuple[int, _Line]] = []
    for number in range(first, len(lines)):
        lead = re.match(r"[ \t]*-[ \t]+", lines[number])
        item = _split(lines[number], _BLOCK_ITEM, lead.group()) if lead else None
        if item is not None:
            items.append((number, item))
        elif lines[number].strip() and not lines[number].lstrip().startswith("#"):
            break
    return items


def _block_set(
    lines: list[str],
    start: int,
    line: _Line,
    items: list[tuple[int, _Line]],
    wanted: list[str],
) -> list[str] | None:
    if line.value or len({item.head for _, item in items}) != 1:
        return None
    before, own, after = _aligned([item.value for _, item in items], wanted)
    lead, newline = items[0][1].head, items[0][1].end or "\n"
    edited = list(lines)
    # From the last link up, so the line numbers of those above stay right.
    for (number, item), token, added in reversed(list(zip(items, own, after, strict=True))):
        kept = [item.with_value(token)] if token else []
        edited[number : number + 1] = kept + [f"{lead}{new}{newline}" for new in added]
    first = items[0][0]
    edited[first:first] = [f"{lead}{new}{newline}" for new in before]
    if not wanted:  # with no link left, `key:` alone would read as null, not a list
        edited[start] = line.with_value("[]")
    return edited


def _aligned(
    written: list[str], wanted: list[str]
) -> tuple[list[str], list[str | None], list[list[str]]]:
    """`wanted` laid over the links `written`: (those added before the first; for
    each written one, its token or None when it goes; those added after it).

    A link kept stays as written; one replaced takes the quoting of the one it
    replaces, and one added that of its neighbour."""
    values = [_unquoted(token) for token in written]
    own: list[str | None] = [None] * len(written)
    after: list[list[str]] = [[] for _ in written]
    before: list[str] = []
    matcher = difflib.SequenceMatcher(a=values, b=wanted, autojunk=False)
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        paired = min(i2 - i1, j2 - j1)
        for offset in range(paired):
            old, new = written[i1 + offset], wanted[j1 + offset]
            own[i1 + offset] = old if values[i1 + offset] == new else _written_as(new, old)
        anchor = i1 + paired - 1
        like = written[max(anchor, 0)] if written else ""
        added = [_written_as(new, like) for new in wanted[j1 + paired : j2]]
        (after[anchor] if anchor >= 0 else before).extend(added)
    return before, own, after


def _unquoted(token: str) -> str:
    if token.startswith('"'):
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    return token


def _written_as(value: str, like: str) -> str:
    """`value` quoted as `like` is (plain, 'single' or "double"); plain only where
    YAML reads it back as that text."""
    if like.startswith("'"):
        return "'" + value.replace("'", "''") + "'"
    plain = _SAFE_PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS
    if like.startswith('"') or not plain:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def _reads_back(before: str, after: str, key: str, value: Any) -> bool:
    """Whether `after` reads as `before` with `key` set to `value` and nothing else
    changed: the check that makes editing in place safe to try."""
    old, new = (parse_export("session.md", text.encode()) for text in (before, after))
    wanted = old.public()
    wanted[key] = [str(item) for item in value or []] if key == "prerequisite_sessions" else value
    problems = [sorted((p.level, p.message) for p in s.problems) for s in (old, new)]
    return new.public() == wanted and new.extra == old.extra and problems[0] == problems[1]
