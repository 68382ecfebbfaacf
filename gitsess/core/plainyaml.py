"""The frontmatter nearly every export has, read without PyYAML.

Importing PyYAML costs a commit's hook more than all it does with the one
export it reads (~90 M instructions, a fifth of the hook). Most frontmatter is
`key: value` lines, flow lists (`tags: [a, b]`), block lists and comments,
whose values are words, dates, whole numbers, booleans, nulls and quoted text
without escapes. `simple_yaml` reads exactly that, as YAML 1.1 does (PyYAML's
safe loader, dates kept as text: frontmatter.py), and answers None for
anything else, which frontmatter.py then gives to PyYAML: a tab, a control
character, an anchor, a tag, an escape, a multi-line value, a `:` in a plain
value, a number YAML may read another way (`0x1f`, `1_000`, `07`, `1.5`) …
tests/core/test_plainyaml.py compares it with PyYAML on random documents.
Where each key is written (`key_lines`) is read here too, without YAML.
"""

from __future__ import annotations

import re
from typing import Any

_BOOLS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_KEY_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_KEY_CHARS = _KEY_START | frozenset("0123456789")
_DIGITS = frozenset("0123456789")


class _Unsure(Exception):
    """Outside what `simple_yaml` reads exactly as YAML does."""


def simple_yaml(text: str) -> dict[str, Any] | None:
    """The mapping YAML reads from `text` (between the `---` lines), or None when
    `text` is not in the plain form this reads (then PyYAML must)."""
    try:
        return _mapping(text)
    except _Unsure:
        return None


def _mapping(text: str) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    listing: str | None = None  # the key a block list may follow (`key:` alone)
    indent: str | None = None  # that list's indent, from its first item
    for line in text.split("\n"):
        if not line.isprintable():
            raise _Unsure  # a tab, a control or format character: YAML's own rules
        if not line:
            continue
        stripped = line.lstrip(" ")
        if listing is not None and stripped.startswith("- "):
            margin = line[: len(line) - len(stripped)]
            if indent is None:
                indent = margin
                found[listing] = []
            if margin != indent:
                raise _Unsure
            found[listing].append(_value(stripped[1:], item=True))
            continue
        listing = indent = None
        if line[0] == "#":
            continue
        key, colon, rest = line.partition(":")
        if not colon or not key or key[0] not in _KEY_START or not set(key) <= _KEY_CHARS:
            raise _Unsure  # an indented line, a quoted or odd key, no key at all
        if key in _BOOLS or key in _NULLS or (rest and rest[0] != " "):
            raise _Unsure  # a key YAML reads as a boolean or null; `key:value`
        found[key] = _value(rest)
        if _comment_or_blank(rest):
            listing = key  # null, unless a block list follows
    return found or None  # nothing but comments: YAML says None, or more


def _comment_or_blank(rest: str) -> bool:
    text = rest.strip(" ")
    return text == "" or text.startswith("#")


def _value(raw: str, item: bool = False) -> Any:
    """The value after `key:` or `-` (`raw` starts with the blank after it)."""
    text = raw.lstrip(" ")
    if raw and raw == text:
        raise _Unsure
    if text[:1] in ("'", '"'):
        return _quoted(text)
    if text[:1] == "[":
        end = text.find("]")
        if end < 0 or not _ends_cleanly(text[end + 1 :]):
            raise _Unsure
        inner = text[1:end]
        if any(mark in inner for mark in "[{}#:'\""):
            raise _Unsure
        if not inner.strip(" "):
            return []
        return [_plain(part.strip(" "), flow=True) for part in inner.split(",")]
    cut = text.find(" #")  # a comment; `a#b` is text
    text = (text if cut < 0 else text[:cut]).rstrip(" ")
    if text == "" or text.startswith("#"):
        if item:
            raise _Unsure
        return None
    return _plain(text, flow=False)


def _ends_cleanly(after: str) -> bool:
    """What follows a closing quote or bracket: nothing, or blanks and a comment."""
    rest = after.lstrip(" ")
    return rest == "" or (rest.startswith("#") and rest != after)


def _quoted(text: str) -> str:
    quote = text[0]
    end = text.find(quote, 1)
    if end < 0 or text[end + 1 : end + 2] == quote or not _ends_cleanly(text[end + 1 :]):
        raise _Unsure  # open past the line, a doubled quote, or more after it
    inner = text[1:end]
    if quote == '"' and "\\" in inner:
        raise _Unsure  # an escape
    return inner


def _plain(text: str, *, flow: bool) -> Any:
    """A plain (unquoted) value, resolved as YAML 1.1 resolves one."""
    if not text or ":" in text or (flow and any(mark in text for mark in ",[]{}")):
        raise _Unsure
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _NULLS:
        return None
    first = text[0]
    if first in _DIGITS:
        if set(text) <= _DIGITS and (first != "0" or text == "0"):
            return int(text)
        # From a digit on, YAML reads a number only with `.` or `:` (not here),
        # after 0b or 0x, or of digits and `_`; a date is kept as text
        # (frontmatter.py drops the timestamp rule), and so is anything else.
        if "." in text or text[:2] in ("0b", "0x") or set(text) <= _DIGITS | {"_"}:
            raise _Unsure
        return text
    if first.isalpha() or first in "_/":
        return text
    raise _Unsure  # an indicator (`- ? & * ! | > % @` …), a sign, a dot: YAML decides


# --- where each key is written (for `check`'s line numbers, and edits) ------------

# A top-level `key:` (plain, "double" or 'single' quoted) at the start of a line; a
# plain key may hold `:` not followed by a blank (`a:b: c` is the key `a:b`).
_KEY_LINE = re.compile(
    r"""^(?:"(?P<double>[^"\\\r\n]*)"|'(?P<single>[^'\r\n]*)'"""
    r"""|(?P<plain>(?:[^\s#'"?:,\[\]{}-]|[?:-](?=\S))[^\r\n]*?))[ \t]*:(?=[ \t\r\n]|$)""",
    re.M,
)


def key_lines(yaml_text: str, first_line: int) -> tuple[dict[str, int], list[tuple[str, int, int]]]:
    """The line of each top-level key, counted in the file from `first_line` (the
    first line, for a key written twice), and every repeat as (key, first, line):
    YAML keeps the last of two equal keys, and that is worth telling."""
    found: dict[str, int] = {}
    repeats: list[tuple[str, int, int]] = []
    position, line = 0, first_line
    for match in _KEY_LINE.finditer(yaml_text):
        line += yaml_text.count("\n", position, match.start())
        position = match.start()
        key = match[match.lastgroup or "plain"]
        first = found.setdefault(key, line)
        if first != line:
            repeats.append((key, first, line))
    return found, repeats


def key_line_numbers(lines: list[str], key: str) -> list[tuple[int, str]]:
    """(line number, text through the colon) of each line that sets `key`."""
    found = []
    for number, line in enumerate(lines):
        match = _KEY_LINE.match(line)
        if match and match[match.lastgroup or "plain"] == key:
            found.append((number, match.group()))
    return found
