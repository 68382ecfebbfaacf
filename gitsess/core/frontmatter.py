"""The frontmatter of an export: found, read, rendered and edited here, and only here.

The only importer of PyYAML and python-frontmatter, on first use (warm runs read the
cache; hooks read a value without YAML). YAML is safe-loaded. `edit_frontmatter` sets
any key where it is written, comments and each item's quoting kept, verified by
reading back; what does not read back right has that key alone rewritten whole.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

from gitsess.core.names import parse_date
from gitsess.core.plainyaml import key_line_numbers, simple_yaml


@functools.cache
def _yaml() -> SimpleNamespace:
    """The YAML stack, imported on first use. Reading is `yaml.load` itself, as
    python-frontmatter's handler does it: a commit's hook reads an export and
    never loads python-frontmatter, which only writing needs (`_export`)."""
    import yaml

    safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    # Safe loading, but dates stay text: `2026-02-30` is reported on its line by the
    # date check instead of failing the whole frontmatter.
    resolvers = {
        first: [(tag, rx) for tag, rx in found if tag != "tag:yaml.org,2002:timestamp"]
        for first, found in safe_loader.yaml_implicit_resolvers.items()
    }
    dates_as_text = type("DatesAsText", (safe_loader,), {"yaml_implicit_resolvers": resolvers})
    return SimpleNamespace(
        load=yaml.load,
        loader=dates_as_text,
        # The pure-Python dumper: libyaml escapes emoji as "\U0001F680", and
        # writing one frontmatter is never on a path anyone waits on. No wrapping.
        dump={"Dumper": yaml.SafeDumper, "sort_keys": False, "width": 1_000_000},
        error=yaml.YAMLError,
    )


@functools.cache
def _export() -> Any:
    """python-frontmatter's YAML writer (`frontmatter`), imported on first use."""
    import frontmatter

    return frontmatter.YAMLHandler().export


# --- finding it -------------------------------------------------------------------


class FrontmatterNotClosed(ValueError):
    pass


class FrontmatterBlock(NamedTuple):
    yaml: str  # the text between the delimiters
    yaml_start: int  # offset of the first YAML character
    yaml_end: int  # offset of the closing delimiter line
    body_start: int  # offset just after the closing delimiter line


_OPENING = re.compile(r"\ufeff?---[ \t]*(?:\r?\n|$)")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$\n?", re.M)


def split_frontmatter(text: str) -> FrontmatterBlock | None:
    """Locate a leading `---` … `---` block (after a BOM, if any); None when the
    file has none. Raises FrontmatterNotClosed when the block never ends."""
    opening = _OPENING.match(text)
    if not opening:
        return None
    closing = _CLOSING.search(text, opening.end())
    if closing is None:
        raise FrontmatterNotClosed
    return FrontmatterBlock(
        yaml=text[opening.end() : closing.start()],
        yaml_start=opening.end(),
        yaml_end=closing.start(),
        body_start=closing.end(),
    )


def body_of(text: str) -> str:
    """The text after the frontmatter: all of it when there is none, or when it
    is never closed (then nothing can be told apart)."""
    try:
        block = split_frontmatter(text)
    except FrontmatterNotClosed:
        return text
    return text[block.body_start :] if block else text


def _lines(text: str) -> list[str]:
    """The lines of `text`, each with its line break (`\\n` or `\\r\\n`)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


# --- reading ------------------------------------------------------------------------


_DATE_VALUE = re.compile(r":\s*(?:!!timestamp\s+)?(\d{4}-\d{1,2}-\d{1,2})\s*(#.*)?$")


class UnreadableYaml(ValueError):
    """Frontmatter that safe loading refuses, with the file line to report it on."""

    def __init__(self, line: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.line, self.message, self.hint = line, message, hint


def read_yaml(yaml_text: str, first_line: int = 2) -> Any:
    """The YAML between the delimiters, safe-loaded, dates kept as text; raises
    UnreadableYaml naming the line (`first_line`: the file line the YAML starts on)."""
    plain = simple_yaml(yaml_text)  # most frontmatter: PyYAML is not even imported
    if plain is not None:
        return plain
    stack = _yaml()
    try:
        return stack.load(yaml_text, Loader=stack.loader)
    except (ValueError, OverflowError, RecursionError) as exc:
        # Valid YAML syntax that cannot be built, e.g. `date: 2026-02-30`.
        message = f"frontmatter holds a value that cannot be read: {exc}"
        hint = "fix the value (dates are YYYY-MM-DD and must exist), or quote it"
        # YAML says only "out of range": the line is that of a date-shaped value.
        dates = enumerate((_DATE_VALUE.search(line) for line in _lines(yaml_text)), first_line)
        line = next((n for n, date in dates if date and not parse_date(date[1])), first_line)
        raise UnreadableYaml(line, message, hint) from None
    except stack.error as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark is not None else first_line - 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        # YAML notices an unclosed bracket or quote only lines later: name where it opened.
        start = getattr(exc, "context_mark", None)
        opened = "plain scalar" not in (getattr(exc, "context", None) or "")
        if opened and start is not None and mark is not None and start.line < mark.line:
            reason += f" ({exc.context} on line {start.line + first_line})"
        message = f"frontmatter is not valid YAML: {reason}"
        hint = "fix the YAML between the two '---' lines (quote values that contain ': ')"
        raise UnreadableYaml(line, message, hint) from None


def frontmatter_value(path: str | Path, key: str) -> str | None:
    """The text of a one-line scalar `key:` in a file's frontmatter (its first
    4 KB), read without YAML: a checkpoint's `time:`, `transcript:` or `tokens:`,
    for hooks that answer in milliseconds. None when the key is not there, is null,
    or is written another way (a list, a folded value …)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).decode("utf-8", "replace")
    except OSError:
        return None
    opening = _OPENING.match(head)
    if opening is None:
        return None
    closing = _CLOSING.search(head, opening.end())
    # Not closed within the head: its last line may be cut, so it is left out.
    end = closing.start() if closing else head.rfind("\n") + 1
    lines = _lines(head[opening.end() : end])
    number, line = _value_line(lines, key)
    if line is None or line.value in _NULLS or line.value.startswith("["):
        return None
    if _value_end(lines, number) > number + 1:  # a plain value folded over more lines
        return None
    return _unquoted(line.value)


# --- scalars as written ---------------------------------------------------------------

_QUOTED = r"\"(?:[^\"\\\r\n]|\\.)*\"|'(?:[^'\r\n]|'')*'"
# A plain scalar inside a flow list: no `,[]{}`, and no `#` to be taken for a comment.
_FLOW_PLAIN = r"[^\s\"'#,\[\]{}&*!|>%@`?:-](?:[^,\[\]{}#\r\n]*[^\s,\[\]{}#])?"
# A plain scalar on a block line: it ends before a ` #` comment and holds no `: `.
_BLOCK_PLAIN = (
    r"(?:[^\s\"'#,\[\]{}&*!|>%@`?:-]|[?:-](?=[^\s,\[\]{}]))"
    r"(?:[^\s:]|:(?=\S)|[ \t]+(?=[^\s#]))*"
)
_BLOCK_SCALAR = rf"(?:{_QUOTED}|{_BLOCK_PLAIN})"
_FLOW_SCALAR = rf"(?:{_QUOTED}|{_FLOW_PLAIN})"
_FLOW = rf"\[[ \t]*(?:{_FLOW_SCALAR}[ \t]*(?:,[ \t]*{_FLOW_SCALAR}[ \t]*)*,?[ \t]*)?\]"
_PATTERNS = {
    # After `key:`: a flow list or a scalar (or nothing), then blanks and a comment.
    "value": rf"(?P<gap>[ \t]*)(?P<value>{_FLOW}|{_BLOCK_SCALAR})?(?P<tail>(?:[ \t]*#.*)?[ \t]*)",
    # After `- `.
    "block item": rf"(?P<value>{_BLOCK_SCALAR})(?P<tail>[ \t]+#.*|[ \t]*)",
    # One item of a flow list, with the comma after it.
    "flow item": rf"[ \t]*({_FLOW_SCALAR})[ \t]*(?:,|$)",
}


@functools.cache
def _pattern(name: str) -> re.Pattern[str]:
    """Compiled on first use (a millisecond the hooks that never edit do not pay)."""
    return re.compile(_PATTERNS[name])


_NULLS = frozenset({"", "null", "Null", "NULL", "~"})


class _Line(NamedTuple):
    """A line split around the value written on it: `head value tail end`."""

    head: str  # through `key:` or `- `, with the blanks before the value
    value: str  # as written, quotes included; "" when none
    tail: str  # blanks and a comment after it
    end: str  # the line break

    def with_value(self, value: str) -> str:
        gap = " " if value and not self.value else ""  # `key:` had nothing after it
        return f"{self.head}{gap}{value}{self.tail}{self.end}"


_Items = list[tuple[int, _Line]]  # the items of a block list, by line number
_Edit = list[str] | None  # the lines edited, or None: not a shape edited in place


def _value_line(lines: list[str], key: str) -> tuple[int, _Line | None]:
    """The line that sets `key`, split around its value; None when `key` is set on
    no line or on several, or its value is not one this module reads without YAML."""
    found = key_line_numbers(lines, key)
    if len(found) != 1:
        return -1, None
    number, head = found[0]
    return number, _split(lines[number], _pattern("value"), head)


def _split(line: str, pattern: re.Pattern[str], head: str) -> _Line | None:
    text = line[len(head) :].rstrip("\r\n")
    found = pattern.fullmatch(text)
    if found is None:
        return None
    value = found["value"] or ""
    if value and found["tail"].startswith("#"):
        return None  # `"a"#b`: no blank before the `#`, so it is no comment
    gap = (found.groupdict().get("gap") or "") if value else ""
    tail = found["tail"] if value else text  # with no value, all after `key:` stays
    return _Line(head + gap, value, tail, line[len(head) + len(text) :])


def _unquoted(token: str) -> str | None:
    """The text a scalar token stands for; None for a "double-quoted" one with an
    escape in it (told apart only by YAML itself)."""
    if token.startswith('"'):
        return None if "\\" in token else token[1:-1]
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    return token


def _token(value: Any, like: str, *, flow: bool) -> str | None:
    """`value` as one token, quoted as `like` is (plain, 'single' or "double"),
    plain only where YAML reads it back as this text; None when it would take
    more than one line (a text with line breaks written plain or single-quoted)."""
    if isinstance(value, str) and like.startswith("'") and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    # The dumper knows when a text must be quoted (`yes`, `2025`, `a: b`, `- x` …),
    # inside a flow list `,[]{}` too, and how to escape a "double-quoted" one.
    style = '"' if isinstance(value, str) and like.startswith('"') else None
    export = _export()
    dumped = export([value], default_flow_style=flow, default_style=style, **_yaml().dump)
    token = dumped[1:-1] if flow else dumped[2:]
    return None if "\n" in token else token


# --- rendering ------------------------------------------------------------------------


def render_frontmatter(values: Mapping[str, Any]) -> str:
    """A new frontmatter block; lists are written inline (`tags: [ml, training]`)."""
    return "---\n" + "".join(render_key(key, value) for key, value in values.items()) + "---\n"


def render_key(key: str, value: Any) -> str:
    """One `key: value` line; a list is written inline, as `tags: [ml, training]`."""
    export = _export()
    if isinstance(value, list):
        return f"{key}: {export(value, default_flow_style=True, **_yaml().dump)}\n"
    return export({key: value}, default_flow_style=False, **_yaml().dump) + "\n"


# --- editing --------------------------------------------------------------------------


def edit_frontmatter(text: str, changes: Mapping[str, Any]) -> str:
    """Set keys; every other line, the key order and the body stay as they are.

    Each key is edited where it is written when that reads back right, else its
    lines are rewritten whole; a key that is not there yet is added at the end.
    """
    for key, value in changes.items():
        block = split_frontmatter(text)
        if block is None:
            raise ValueError("the file has no frontmatter")
        lines = _lines(block.yaml)
        edited = _in_place(lines, key, value)
        if edited is not None and _reads_back(block.yaml, "".join(edited), key, value):
            text = text[: block.yaml_start] + "".join(edited) + text[block.yaml_end :]
        else:
            text = _rewritten(text, block, lines, key, value)
    return text


def _rewritten(text: str, block: FrontmatterBlock, lines: list[str], key: str, value: Any) -> str:
    """`key` rendered whole in place of the lines it takes (added at the end when
    it is not there), with the file's line breaks."""
    newline = "\r\n" if "\r\n" in text[: block.body_start] else "\n"
    rendered = render_key(key, value).replace("\n", newline)
    lines = list(lines)
    found = key_line_numbers(lines, key)
    if not found:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += newline
        lines.append(rendered)
    else:
        start = found[0][0]
        lines[start : _value_end(lines, start)] = [rendered]
    return text[: block.yaml_start] + "".join(lines) + text[block.yaml_end :]


def _value_end(lines: list[str], start: int) -> int:
    """The index after the last line of the value of the key on line `start`: the
    lines below it that are indented or list items, and the blank and comment
    lines among them (not those after them)."""
    end = start + 1
    for number in range(start + 1, len(lines)):
        line = lines[number]
        if line.strip() and not line.lstrip().startswith("#"):
            if not (line.startswith((" ", "\t", "- ")) or line.rstrip() == "-"):
                break
            end = number + 1
    return end


def _reads_back(before: str, after: str, key: str, value: Any) -> bool:
    """Whether the YAML `after` reads as `before` with `key` set to `value` and
    every other key as it was: the check that makes editing in place safe to try."""
    try:
        old, new, wanted = (read_yaml(y) for y in (before, after, render_key(key, value)))
    except UnreadableYaml:
        return False
    if not (isinstance(old, dict) and isinstance(new, dict) and isinstance(wanted, dict)):
        return False
    if key not in new or new[key] != wanted.get(key):
        return False
    others = [item for item in old.items() if item[0] != key]
    return others == [item for item in new.items() if item[0] != key]


def _in_place(lines: list[str], key: str, value: Any) -> _Edit:
    """The lines with `key` set where it is written; None when its shape is not one
    edited so (the caller then rewrites it whole)."""
    start, line = _value_line(lines, key)
    if line is None:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return _list_set(lines, start, line, value)
    if value is None or isinstance(value, (str, int, float, dt.date)):
        return _scalar_set(lines, start, line, value)
    return None


def _scalar_set(lines: list[str], start: int, line: _Line, value: Any) -> _Edit:
    """A one-line value replaced by `value` (None: null), written as the old one was."""
    if line.value.startswith("[") or _value_end(lines, start) > start + 1:
        return None
    if value is None:
        token: str | None = line.value if line.value in _NULLS else "null"
    else:
        token = _token(value, "" if line.value in _NULLS else line.value, flow=False)
    if token is None:
        return None
    return [*lines[:start], line.with_value(token), *lines[start + 1 :]]


def _list_set(lines: list[str], start: int, line: _Line, wanted: list[str]) -> _Edit:
    """A list made `wanted` by replacing, removing and adding items where it is
    written, flow or block."""
    items = _block_items(lines, start + 1)
    if items:
        return _block_set(lines, start, line, items, wanted)
    if line.value in _NULLS:
        flow = "[]"
    elif line.value.startswith("["):
        flow = line.value
    else:
        return None  # a list written as one string: rewritten whole
    inner = flow[1:-1]
    written = _pattern("flow item").findall(inner)  # `line.value` matched a whole flow list
    aligned = _aligned(written, wanted, flow=True)
    if aligned is None:
        return None
    before, own, after = aligned
    tokens = list(before)
    for token, added in zip(own, after, strict=True):
        tokens += [token, *added] if token else added
    separator = re.search(r"[ \t]*,[ \t]*", inner)
    joined = (separator.group() if separator else ", ").join(tokens)
    if written and tokens:  # keep `[ a, b ]` spaced as it was
        joined = inner[: len(inner) - len(inner.lstrip())] + joined + inner[len(inner.rstrip()) :]
    return [*lines[:start], line.with_value(f"[{joined}]"), *lines[start + 1 :]]


def _block_items(lines: list[str], first: int) -> _Items:
    """The `- item` lines of a block list from line `first` on, with the blank and
    comment lines among them left out, each with its line number."""
    items: _Items = []
    for number in range(first, len(lines)):
        lead = re.match(r"[ \t]*-[ \t]+", lines[number])
        item = _split(lines[number], _pattern("block item"), lead.group()) if lead else None
        if item is not None:
            items.append((number, item))
        elif lines[number].strip() and not lines[number].lstrip().startswith("#"):
            break
    return items


def _block_set(
    lines: list[str], start: int, line: _Line, items: _Items, wanted: list[str]
) -> _Edit:
    if line.value or len({item.head for _, item in items}) != 1:
        return None
    aligned = _aligned([item.value for _, item in items], wanted, flow=False)
    if aligned is None:
        return None
    before, own, after = aligned
    lead, newline = items[0][1].head, items[0][1].end or "\n"
    edited = list(lines)
    # From the last item up, so the line numbers of those above stay right.
    for (number, item), token, added in reversed(list(zip(items, own, after, strict=True))):
        kept = [item.with_value(token)] if token else []
        edited[number : number + 1] = kept + [f"{lead}{new}{newline}" for new in added]
    first = items[0][0]
    edited[first:first] = [f"{lead}{new}{newline}" for new in before]
    if not wanted:  # with no item left, `key:` alone would read as null, not a list
        edited[start] = line.with_value("[]")
    return edited


def _aligned(
    written: list[str], wanted: list[str], *, flow: bool
) -> tuple[list[str], list[str | None], list[list[str]]] | None:
    """`wanted` laid over the items `written`: (the tokens added before the first;
    for each written one, its token or None when it goes; those added after it).

    An item kept stays as written; one replaced takes the quoting of the one it
    replaces, and one added that of its neighbour. None when an item cannot be
    written on one line."""
    values = [_unquoted(token) for token in written]
    own: list[str | None] = [None] * len(written)
    after: list[list[str]] = [[] for _ in written]
    before: list[str] = []
    matcher = difflib.SequenceMatcher(a=values, b=wanted, autojunk=False)
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        paired = min(i2 - i1, j2 - j1)
        for offset in range(paired):
            old, new = written[i1 + offset], wanted[j1 + offset]
            own[i1 + offset] = old if values[i1 + offset] == new else _token(new, old, flow=flow)
            if own[i1 + offset] is None:
                return None
        anchor = i1 + paired - 1
        like = written[max(anchor, 0)] if written else ""
        added = [_token(new, like, flow=flow) for new in wanted[j1 + paired : j2]]
        if None in added:
            return None
        (after[anchor] if anchor >= 0 else before).extend(t for t in added if t is not None)
    return before, own, after
