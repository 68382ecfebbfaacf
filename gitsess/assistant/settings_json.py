"""Reading and writing a Claude Code settings file's JSON (or a Codex hooks file,
or `~/.claude.json`), as settings.py, codex_install.py and mcp_config.py do.

Strict: a key given twice in one object is refused (json.loads keeps the last
silently, so a rewrite would lose the first), and so is a file with comments or
invalid JSON, with its line; never overwritten. Written back with only the
members install changes rewritten, in the file's own indentation: every other
byte stays, a byte-order mark too; the previous content is kept as
`<file>.bak`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitsess.core.errors import GitSessError
from gitsess.core.files import decode_utf8, read_bytes, write_atomic

OWN_KEYS = ("hooks", "statusLine")  # the members of a settings file install writes


@dataclass(frozen=True)
class SettingsChange:
    path: Path
    changed: bool
    backup: Path | None
    notes: list[str] = field(default_factory=list)  # what the user should know
    removed: bool = False  # the file install had created is gone again


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_json(text: str) -> Any:
    """json.loads, refusing a key given twice in one object: json.loads would
    keep the last silently, and rewriting the file would lose the first."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in pairs:
            if key in found:
                raise DuplicateKey(key)
            found[key] = value
        return found

    return json.loads(text, object_pairs_hook=unique)


def line_of_second(text: str, key: str) -> str:
    """`:LINE` of the second `"key":` in `text`, or "" when it cannot be told."""
    spots = [m.start() for m in re.finditer(re.escape(json.dumps(key)) + r"\s*:", text)]
    return f":{text.count(chr(10), 0, spots[1]) + 1}" if len(spots) > 1 else ""


BOM = "\ufeff"  # kept where the file has one: every other byte stays, this one too


def load_settings(path: Path) -> tuple[dict[str, Any], str | None]:
    """The settings and the file's text (with its byte-order mark, if any)."""
    if not path.exists():
        return {}, None
    data = read_bytes(path)
    text = decode_utf8(data, str(path))
    try:
        settings = parse_json(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        comments = re.search(r"(?:^|[\s{,\[])//|/\*", text)
        raise GitSessError(
            f"{path}:{error.lineno}: not valid JSON ({error.msg}); changed nothing",
            "Claude Code settings are plain JSON: remove the comments and try again"
            if comments
            else f"fix line {error.lineno} of {path} and try again",
        ) from None
    except RecursionError:
        raise GitSessError(
            f"{path}: JSON nested too deep to read; changed nothing",
            f"fix {path}: Claude Code settings nest a few levels, not hundreds",
        ) from None
    except DuplicateKey as duplicate:
        where = line_of_second(text, duplicate.key)
        raise GitSessError(
            f"{path}{where}: the key {json.dumps(duplicate.key)} appears twice in one object;"
            " changed nothing",
            f"merge the two into one in {path} (a JSON reader keeps only the last)",
        ) from None
    if not isinstance(settings, dict):
        raise GitSessError(
            f"{path}: the settings are not a JSON object; changed nothing",
            f"make {path} an object: {{}}",
        )
    return settings, (BOM + text if data.startswith(b"\xef\xbb\xbf") else text)


def save_settings(
    path: Path, settings: dict[str, Any], original: str | None, keys: tuple[str, ...] = OWN_KEYS
) -> SettingsChange:
    """`settings` written to `path` (`original`: its text from load_settings), only
    the members `keys` rewritten; nothing written when nothing changed."""
    mark = BOM if original is not None and original.startswith(BOM) else ""
    content = original.removeprefix(BOM) if original is not None else None
    if content is not None and (json.loads(content) if content.strip() else {}) == settings:
        return SettingsChange(path, changed=False, backup=None)
    text = mark + _with_members(content if content and content.strip() else None, settings, keys)
    backup = None
    path.parent.mkdir(parents=True, exist_ok=True)
    if original is not None:
        backup = path.with_name(path.name + ".bak")
        write_atomic(backup, original)
    # A settings file linked from a dotfiles repository stays a link: write its target.
    write_atomic(path.resolve() if path.is_symlink() else path, text)
    return SettingsChange(path, changed=True, backup=backup)


def _with_members(original: str | None, settings: dict[str, Any], keys: tuple[str, ...]) -> str:
    """The file with only its `hooks` and `statusLine` members rewritten: the
    rest keeps its bytes. Anything unusual (a duplicate key) gets the whole file
    re-serialized."""
    indent = _indent_of(original)
    whole = json.dumps(settings, indent=indent, ensure_ascii=False) + "\n"
    text = original or ""
    try:
        for key in keys:
            text = _with_member(text, key, settings.get(key, _MISSING), indent)
        return text if json.loads(text) == settings else whole
    except (ValueError, IndexError):
        return whole


_MISSING = object()


def _with_member(text: str, key: str, value: Any, indent: int | str) -> str:
    """`text` with the top-level member `key` set to `value` (taken out: _MISSING)."""
    members, closing = _members(text)
    present = value is not _MISSING
    if key not in members and not present:
        return text
    rendered = ""
    if present:
        lead = _line_indent(text, members[key][0]) if key in members else _unit(indent)
        rendered = json.dumps(value, indent=indent, ensure_ascii=False).replace("\n", "\n" + lead)
    if key in members and present:
        _, start, end = members[key]
        return text[:start] + rendered + text[end:]
    if key in members:  # taken out
        if len(members) == 1:  # and nothing else was there
            return text[: text.index("{")] + "{}" + text[closing + 1 :]
        key_start, _, end = members[key]  # taken out whole, with the comma that joined it
        before = text.rfind(",", 0, key_start) if text[:key_start].rstrip().endswith(",") else -1
        if before >= 0:
            return text[:before] + text[end:]
        after = re.match(r"\s*,\s*", text[end:])
        return text[:key_start] + text[end + (after.end() if after else 0) :]
    last = max((end for _, _, end in members.values()), default=None)
    member = f"{_unit(indent)}{json.dumps(key)}: {rendered}"  # a new last member
    if last is None:
        return text[:closing].rstrip() + "\n" + member + "\n" + text[closing:]
    # A closing brace on the last member's line goes on a line of its own.
    newline = "" if "\n" in text[last:closing] else "\n"
    return text[:last] + ",\n" + member + newline + text[last:]


def _members(text: str) -> tuple[dict[str, tuple[int, int, int]], int]:
    """Each top-level key -> (where its key starts, its value starts, ends), and
    where the closing brace is. ValueError for a duplicate key or no object."""
    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    if text[position] != "{":
        raise ValueError("not an object")
    members: dict[str, tuple[int, int, int]] = {}
    position = _skip(text, position + 1)
    while text[position] != "}":
        key_start = position
        key, position = json.decoder.scanstring(text, position + 1)  # type: ignore[attr-defined]
        position = _skip(text, position)
        if text[position] != ":" or key in members:
            raise ValueError("not one member per key")
        start = _skip(text, position + 1)
        _, end = decoder.raw_decode(text, start)
        members[key] = (key_start, start, end)
        position = _skip(text, end)
        if text[position] == ",":
            position = _skip(text, position + 1)
    return members, position


def _skip(text: str, position: int) -> int:
    return len(text) - len(text[position:].lstrip()) if position < len(text) else position


def _line_indent(text: str, position: int) -> str:
    line = text[text.rfind("\n", 0, position) + 1 : position]
    return line[: len(line) - len(line.lstrip())]


def _unit(indent: int | str) -> str:
    return indent if isinstance(indent, str) else " " * indent


def _indent_of(text: str | None) -> int | str:
    match = re.search(r"\n([ \t]+)\S", text or "")
    if match is None:
        return 2
    found = match.group(1)
    return found if "\t" in found else len(found)
