"""The files an export says its session created, modified or deleted: its Files lists.

Read from the forms people and tools write (docs/files.md, "An export"):
- a section whose heading names files: `### Files Created`, `### Files Modified`
  (the template's, DESIGN.md §3.1), `## Files Changed`, `## Changes Made`,
  `## New Files`, `## Files`, `## Files created / modified`; its subsections
  belong to it;
- a labelled line, bold or not, alone or as a list item: `**Files Modified:**`
  over a list, or `- **Files changed**: a.py, b/c.py` with the paths after it;
- in them, list items (`-`, `*`, `+`, `1.`, checkboxes, nested) and table rows
  that start with paths: `` `src/x.py` - why ``, `src/x.py — what`,
  `src/x.py: what`, `` `a.py`, `b.py` ``, `old.py → new.py`, `x.py:42`, a
  markdown link; the rest of the item is the description; an item that starts
  with a word (`Updated `src/x.py``) gives the paths in code marks in it.
Paths are relative to the top of the work tree, as the template asks; `./` and
backslashes are tidied, a trailing `/` marks a directory, and an absolute path
is kept so the caller can take the work tree's top off it. HTML comments (the
template's guidance) and code blocks are skipped. Pure text: nothing is read here.
"""

from __future__ import annotations

import posixpath
import re

CREATED, MODIFIED, DELETED = "created", "modified", "deleted"
LISTS = (CREATED, MODIFIED, DELETED)

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_ITEM = re.compile(r"^([ \t]*)(?:[-*+]|\d+[.)])[ \t]+(?:\[[ xX]\][ \t]+)?(.*)$")
# `**Files changed**: v`, `**Files changed:** v`, `Files changed: v`, as an item too.
_LABEL = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?(?P<label>[A-Za-z][A-Za-z /&-]{2,40}?)[ \t]*"
    r"(?::[ \t]*(?:\*\*|__)|(?:\*\*|__)[ \t]*:|:)[ \t]*(?P<value>.*)$"
)
_BOLD_LABEL = re.compile(r"^[ \t]*(?:\*\*|__)(?P<label>[A-Za-z][A-Za-z /&-]{2,40}?)(?:\*\*|__)$")
_CREATED_WORDS = frozenset({"created", "added", "new"})
_MODIFIED_WORDS = frozenset({"modified", "changed", "updated", "edited", "touched", "changes"})
_DELETED_WORDS = frozenset({"deleted", "removed"})
_OTHER_WORDS = frozenset({"and", "or", "key", "code", "made", "in", "this", "session"})
_FILE_WORDS = frozenset({"file", "files"})
# A path-like token: a folder in it, a name with an extension, a dotfile, or one
# of the well-known names without an extension.
_PATHLIKE = re.compile(
    r"/?(?:[^\s/]+/)+[^\s/]*|[^\s/]*[^\s/.]\.[A-Za-z0-9_+-]{1,12}|\.[\w.-]+"
    r"|[A-Z][a-z]*file|LICENSE|README|CHANGELOG|NOTICE|AUTHORS|COPYING|VERSION"
)
_NOT_IN_PATH = re.compile(r"[\s*?<>|\"'(){}\[\]]|://|^[-@$]|^\.+$|^…")
_LINE_SUFFIX = re.compile(r"(?::\d+(?:[-:]\d+)?|#L\d+(?:-L?\d+)?)$")
_QUOTED = re.compile(r"`([^`\n]+)`")
_JOINERS = re.compile(r"[ \t]*(?:,|&|\band\b|->|→|=>)[ \t]*")


def list_kind(label: str) -> str | None:
    """Which list a heading or label opens (created, modified, deleted), or None
    when it names no files list."""
    words = re.sub(r"[^a-z]+", " ", label.lower()).split()
    if not words:
        return None
    if words in (["changes", "made"], ["code", "changes"], ["changed", "files"]):
        return MODIFIED
    if not _FILE_WORDS & set(words):
        return None
    known = _CREATED_WORDS | _MODIFIED_WORDS | _DELETED_WORDS | _OTHER_WORDS | _FILE_WORDS
    if any(word not in known for word in words):
        return None  # `Files to read next`, `File structure`: about files, no list of changes
    if _MODIFIED_WORDS & set(words) or (
        _CREATED_WORDS & set(words) and _DELETED_WORDS & set(words)
    ):
        return MODIFIED
    if _CREATED_WORDS & set(words):
        return CREATED
    if _DELETED_WORDS & set(words):
        return DELETED
    return MODIFIED  # `## Files`, `Key files`: the files the session worked on


def listed_files(text: str) -> list[tuple[str, str]]:
    """(path, list) for every entry of the export's Files lists, in order, once each."""
    found: dict[tuple[str, str], None] = {}
    kind: str | None = None
    level = 0  # the heading level that opened the list; 7: a label, which ends at prose
    fenced = False
    for line in _COMMENT.sub("", _without_frontmatter(text)).splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        heading = _HEADING.match(line)
        if heading:
            opened = list_kind(heading.group(2))
            if opened is not None:
                kind, level = opened, len(heading.group(1))
            elif kind is not None and len(heading.group(1)) <= level:
                kind = None
            continue
        label = _BOLD_LABEL.match(line) or _LABEL.match(line)
        labelled = list_kind(label.group("label")) if label else None
        if label and labelled is not None:
            value = label.groupdict().get("value") or ""
            if value.strip():
                for path in leading_paths(value, all_tokens=True):
                    found[(path, labelled)] = None
                kind = None if level == 7 else kind
            else:
                kind, level = labelled, 7
            continue
        if kind is None or not line.strip():
            continue
        item = _ITEM.match(line)
        if item:
            for path in item_paths(item.group(2)):
                found[(path, kind)] = None
        elif line.lstrip().startswith("|"):
            cells = line.strip().strip("|").split("|")
            for path in leading_paths(cells[0]) if cells else []:
                found[(path, kind)] = None
        elif level == 7 and not line[:1].isspace():
            kind = None  # prose after a labelled list ends it
        else:
            for path in item_paths(line.strip()):
                found[(path, kind)] = None
    return list(found)


def _without_frontmatter(text: str) -> str:
    if not text.startswith(("---\n", "---\r\n", "\ufeff---")):
        return text
    end = re.search(r"^---[ \t]*$", text[3:], re.M)
    return text[3 + end.end() :] if end else text


def item_paths(text: str) -> list[str]:
    """The paths an item of a files list names: those it starts with; else, for an
    item that starts with a word (`Updated `src/x.py` for …`), the ones in code
    marks in it."""
    return leading_paths(text) or [
        path
        for quoted in _QUOTED.findall(text)
        if _acceptable(quoted, True) and (path := normalize_path(quoted)) is not None
    ]


def leading_paths(text: str, *, all_tokens: bool = False) -> list[str]:
    """The paths an item starts with (joined by `,`, `and`, `→`); the description
    after them is not read. `all_tokens`: a label's value, where every token up to
    the first that is no path counts."""
    paths: list[str] = []
    rest = text.strip()
    while rest:
        token, rest, quoted = _next_token(rest)
        path = normalize_path(token) if _acceptable(token, quoted) else None
        if path is None:
            break
        paths.append(path)
        joined = _JOINERS.match(rest)
        if joined:
            rest = rest[joined.end() :]
        elif all_tokens and rest[:1] in (" ", "\t"):
            rest = rest.lstrip()
        else:
            break
    return paths


def _next_token(text: str) -> tuple[str, str, bool]:
    """(the token, what follows it, whether it was in code or link marks)."""
    if text.startswith("``"):
        end = text.find("``", 2)
        if end > 0:
            return text[2:end].strip(), text[end + 2 :], True
    if text.startswith("`"):
        end = text.find("`", 1)
        if end > 0:
            return text[1:end], text[end + 1 :], True
    if text.startswith("["):
        link = re.match(r"\[([^\]]*)\]\(([^)\s]*)\)", text)
        if link:
            inner = link.group(1).strip("`")
            target = inner if _PATHLIKE.fullmatch(inner) else link.group(2)
            return target, text[link.end() :], True
    if text.startswith(("**", "__")):
        bold = re.match(r"(\*\*|__)(.+?)\1", text)
        if bold:
            return bold.group(2).strip("`"), text[bold.end() :], True
    token = re.match(r"[^\s,;]+", text)
    if token is None:
        return "", "", False
    word = token.group(0)
    # `path:` or `path.` before a description: the colon and the full stop are not the name's
    if not _LINE_SUFFIX.search(word):
        word = word.rstrip(":.")
    return word, text[token.end() :], False


def _acceptable(token: str, quoted: bool) -> bool:
    token = _LINE_SUFFIX.sub("", token)
    if not token or (quoted and " " in token and "/" not in token):
        return False
    if not quoted and token.lower() in ("e.g", "i.e"):
        return False  # prose: `- e.g. the parser`
    if _NOT_IN_PATH.search(token.replace(" ", "") if quoted else token):
        return False
    return bool(_PATHLIKE.fullmatch(token.replace(" ", "_")))


def normalize_path(raw: str) -> str | None:
    """A listed path in the form compared with git's: POSIX, no `./`, `..` folded;
    None when it climbs out of the work tree."""
    path = _LINE_SUFFIX.sub("", raw.strip()).replace("\\", "/")
    directory = path.endswith("/")
    absolute = path.startswith("/")
    path = posixpath.normpath(path)
    if path.startswith("//"):
        path = path[1:]
    if path in (".", "/") or path == ".." or path.startswith("../"):
        return None
    if absolute and not path.startswith("/"):
        path = "/" + path
    return path + "/" if directory else path
