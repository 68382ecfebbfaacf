"""Session exports as data: the Session and its Problems, read from an export's
bytes and checked field by field.

The frontmatter is found and safe-loaded by `frontmatter`, a hand-written export
without one is read by `legacy`, names and dates come from `names`; here their
values become a Session, and whatever is wrong becomes a Problem on its line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gitsess.core.errors import quote_path, safe_json
from gitsess.core.files import describe_utf8_error, describe_wide_text, wide_encoding
from gitsess.core.frontmatter import (
    FrontmatterNotClosed,
    UnreadableYaml,
    read_yaml,
    split_frontmatter,
)
from gitsess.core.legacy import read_legacy, title_from_text
from gitsess.core.names import date_from_name, one_line, parse_date, title_from_name
from gitsess.core.plainyaml import key_lines
from gitsess.core.values import Unstorable, plain_value

KNOWN_KEYS = (
    "title", "date", "type", "status", "tags", "summary",
    "prerequisite_sessions", "continuation_of", "tokens", "token_limit",
)  # fmt: skip
REQUIRED_KEYS = ("title", "date", "type", "status")
# Keys whose line numbers later checks report (the rest are reported while parsing).
LOCATED_KEYS = ("type", "status", "prerequisite_sessions", "continuation_of")


@dataclass
class Problem:
    """Something wrong with an export; `line` is 1-based in the file."""

    path: str
    line: int | None
    level: str  # "error" or "warning"
    message: str
    hint: str | None = None
    # `update` refuses while this is unfixed: the file is unreadable (not UTF-8,
    # empty, frontmatter not YAML) or a value could not be read, and rewriting
    # the frontmatter would silently drop it.
    blocking: bool = False
    # Every file a problem spans (the members of a link cycle), when more than `path`.
    involves: tuple[str, ...] = ()

    @property
    def location(self) -> str:
        """`path:line`, the path quoted as git quotes it (a name can hold a newline)."""
        path = quote_path(self.path)
        return f"{path}:{self.line}" if self.line else path

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "level": self.level,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class Session:
    id: str  # the file name, e.g. session_20251201_distilbert_training.md
    path: str  # relative to the top of the work tree, POSIX form
    title: str
    date: str | None  # ISO date
    type: str
    status: str
    tags: list[str] = field(default_factory=list)
    summary: str | None = None
    prerequisite_sessions: list[str] = field(default_factory=list)
    continuation_of: str | None = None
    tokens: int | None = None
    token_limit: int | None = None
    legacy: bool = False  # no frontmatter: every field was inferred from the text
    size: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys, JSON-safe
    key_lines: dict[str, int] = field(default_factory=dict)  # frontmatter key -> file line
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(problem.level == "error" for problem in self.problems)

    @property
    def links(self) -> list[tuple[str, str]]:
        """(kind, raw target) pairs in the order they are written."""
        found = [("requires", target) for target in self.prerequisite_sessions]
        if self.continuation_of:
            found.append(("continues", self.continuation_of))
        return found

    def public(self) -> dict[str, Any]:
        """The stable machine-readable form (`list --json`)."""
        return {
            "id": self.id,
            "path": self.path,
            "date": self.date,
            "title": self.title,
            "type": self.type,
            "status": self.status,
            "tags": list(self.tags),
            "summary": self.summary,
            "prerequisite_sessions": list(self.prerequisite_sessions),
            "continuation_of": self.continuation_of,
            "tokens": self.tokens,
            "token_limit": self.token_limit,
            "legacy": self.legacy,
        }

    def to_record(self) -> list[Any]:
        """A compact cache record: the fields after id and path, in order."""
        return [
            self.title,
            self.date,
            self.type,
            self.status,
            self.tags,
            self.summary,
            self.prerequisite_sessions,
            self.continuation_of,
            self.tokens,
            self.token_limit,
            self.legacy,
            self.size,
            self.extra,
            self.key_lines,
            [[p.line, p.level, p.message, p.hint, p.blocking] for p in self.problems],
        ]

    @classmethod
    def from_record(cls, session_id: str, path: str, record: list[Any]) -> Session:
        *fields, problems = record
        session = cls(session_id, path, *fields)
        session.problems = [Problem(path, *problem) for problem in problems]
        return session


def json_array(items: list[dict[str, Any]]) -> str:
    """A JSON array, one object a line: greppable, and built with json's C encoder
    (`indent=` would switch to the pure-Python one, several times slower)."""
    import json

    encode = json.JSONEncoder(ensure_ascii=False).encode
    text = "[\n" + ",\n".join(encode(item) for item in items) + "\n]" if items else "[]"
    return safe_json(text)  # a note's control characters as \u escapes, never raw


def newest_first(sessions: Iterable[Session]) -> list[Session]:
    """The order of `list` and the index: date descending (undated last), then id."""
    by_id = sorted(sessions, key=lambda s: s.id)
    return sorted(by_id, key=lambda s: s.date or "", reverse=True)


# --- reading -----------------------------------------------------------------


def parse_export(rel_path: str, data: bytes, session_id: str | None = None) -> Session:
    """Read one export. Never raises: what is wrong is recorded in `problems`.
    `session_id`: its path within the sessions directory, when it is in a folder
    of it (`archive/x.md`); by default the file name."""
    session = _parse(rel_path, data, session_id)
    session.key_lines = {k: v for k, v in session.key_lines.items() if k in LOCATED_KEYS}
    return session


def _parse(rel_path: str, data: bytes, session_id: str | None) -> Session:
    name = rel_path.rsplit("/", 1)[-1]
    session = Session(
        id=session_id or name,
        path=rel_path,
        title=title_from_name(name),
        date=date_from_name(name),
        type="feature",
        status="in-progress",
        size=len(data),
    )
    if not data.strip():
        session.legacy = True
        _problem(
            session, None, "error", "empty file", "write the export or delete it", blocking=True
        )
        return session
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, message, hint = describe_utf8_error(data, exc, rel_path)
        _problem(session, line, "error", message, hint, blocking=True)
        text = data.decode("utf-8", "replace")
    else:
        if "\0" in text:  # UTF-16 without a mark, or binary; update must not rewrite it
            line = text[: text.index("\0")].count("\n") + 1
            message = "holds a NUL byte: not text"
            hint = "remove the NUL bytes (tr -d '\\000'), or the file if it is no note"
            if wide_encoding(data) is not None:
                line, message, hint = describe_wide_text(data, rel_path)
            _problem(session, line, "error", message, hint, blocking=True)
    if (conflict := _conflict_line(text)) is not None:
        _problem(
            session,
            conflict,
            "error",
            "unresolved merge conflict: the markers <<<<<<< ======= >>>>>>> are still in the file",
            "keep the text you want, delete the marker lines, then git add it",
            blocking=True,
        )
    try:
        block = split_frontmatter(text)
    except FrontmatterNotClosed:
        _problem(
            session,
            1,
            "error",
            "the frontmatter opened on this line is never closed",
            "add a line '---' after the last metadata line",
            blocking=True,
        )
        block = None
    if block is None:
        _infer_legacy(session, text)
        return session
    session.key_lines, repeats = key_lines(block.yaml, first_line=2)
    for key, first, line in repeats:
        # YAML keeps the last of two equal keys; `update` would rewrite the first.
        _problem(
            session,
            line,
            "error",
            f"{key} is set twice (lines {first} and {line}); YAML keeps the last",
            f"keep one '{key}:' line",
            blocking=True,
        )
    body = text[block.body_start :]
    try:
        meta = read_yaml(block.yaml, first_line=2)
    except UnreadableYaml as unreadable:
        return _unreadable_frontmatter(
            session, unreadable.line, unreadable.message, unreadable.hint, body
        )
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        message = f"frontmatter is a YAML {type(meta).__name__}, not a mapping of keys"
        hint = "write it as 'key: value' lines, e.g. 'title: My session'"
        return _unreadable_frontmatter(session, 2, message, hint, body)
    _apply_mapping(session, meta, body)
    return session


def _unreadable_frontmatter(
    session: Session, line: int, message: str, hint: str, body: str
) -> Session:
    """Report the frontmatter, and still show what the body tells (list must not fail)."""
    _problem(session, line, "error", message, hint, blocking=True)
    _infer_legacy(session, body, keep_legacy_flag=False)
    return session


def _apply_mapping(session: Session, meta: dict[Any, Any], body: str) -> None:
    meta = {str(key): value for key, value in meta.items()}
    missing = [key for key in REQUIRED_KEYS if meta.get(key) in (None, "")]
    if not any(key in meta for key in REQUIRED_KEYS):
        # Another tool's frontmatter (Obsidian's tags and aliases): a hand-kept note,
        # read as one without frontmatter, its keys kept; `import` adds git sess's.
        _infer_legacy(session, body)
        session.tags = _list_field(session, "tags", meta.get("tags"))
        session.extra.update(_extra(session, meta))
        return
    for key in missing:
        _problem(
            session,
            session.key_lines.get(key, 1),
            "error",
            f"missing required field '{key}'",
            f"add '{key}: …' to the frontmatter",
        )
    # A hand-kept note with a few keys (tags, author): the rest is read from its
    # text, as for a note without frontmatter, so it reads the same before and
    # after `import` fills them in.
    facts = read_legacy(body, session.path) if missing else None
    title = _text_field(session, "title", meta.get("title"))
    session.title = title or (facts and facts.title) or title_from_text(body) or session.title
    date = _date_field(session, meta.get("date"))
    session.date = date or (facts and facts.date) or session.date
    session.type = _text_field(session, "type", meta.get("type")) or (
        facts.type if facts else session.type
    )
    status = _text_field(session, "status", meta.get("status"))
    session.status = status or (facts and facts.status) or session.status
    session.summary = _text_field(session, "summary", meta.get("summary")) or (
        facts.summary if facts else None
    )
    session.tags = _list_field(session, "tags", meta.get("tags"))
    session.prerequisite_sessions = _list_field(
        session, "prerequisite_sessions", meta.get("prerequisite_sessions")
    )
    session.continuation_of = _continuation_field(session, meta.get("continuation_of"))
    session.tokens = _int_field(session, "tokens", meta.get("tokens"))
    session.token_limit = _int_field(session, "token_limit", meta.get("token_limit"))
    session.extra.update(_extra(session, meta))


def _extra(session: Session, meta: dict[str, Any]) -> dict[str, Any]:
    """The keys git sess does not know, JSON-safe; what cannot be kept is a problem."""
    extra: dict[str, Any] = {}
    for key, value in meta.items():
        if key in KNOWN_KEYS:
            continue
        try:
            extra[key] = plain_value(value)
        except Unstorable as unstorable:
            _problem(
                session,
                session.key_lines.get(key),
                "error",
                f"{key} {unstorable.reason}",
                unstorable.hint,
                blocking=True,
            )
    return extra


def _text_field(session: Session, key: str, value: Any) -> str | None:
    """A one-line text value; a list or mapping where text belongs is an error."""
    if value is None or isinstance(value, (str, int, float, dt.date)):
        return _scalar_text(value)
    _problem(
        session,
        session.key_lines.get(key),
        "error",
        f"{key} must be text, not a YAML {type(value).__name__}",
        f"write it on one line: {key}: …",
        blocking=True,
    )
    return None


def _date_field(session: Session, value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    parsed = parse_date(str(value))
    if parsed:
        return parsed
    _problem(
        session,
        session.key_lines.get("date"),
        "error",
        f"date {str(value)!r} is not a date",
        "write it as YYYY-MM-DD, e.g. date: 2025-12-01",
        blocking=True,
    )
    return None


def _list_field(session: Session, key: str, value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        items = [item for item in re.split(r"[,\s]+", value) if item]
        _problem(
            session,
            session.key_lines.get(key),
            "warning",
            f"{key} is a string; read as a list of {len(items)}",
            f"write it as a list: {key}: [{', '.join(items)}]",
        )
        return items
    if isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
        return [str(item).strip() for item in value if str(item).strip()]
    _problem(
        session,
        session.key_lines.get(key),
        "error",
        f"{key} must be a list of words",
        f"write it as {key}: [first, second]",
        blocking=True,
    )
    return []


def _continuation_field(session: Session, value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        _problem(
            session,
            session.key_lines.get("continuation_of"),
            "warning",
            "continuation_of is a list; a session continues exactly one other",
            f"write it as continuation_of: {value[0]}",
        )
        return value[0].strip()
    _problem(
        session,
        session.key_lines.get("continuation_of"),
        "error",
        "continuation_of must name one session id",
        "write it as continuation_of: session_YYYYMMDD_slug.md (or null)",
        blocking=True,
    )
    return None


def _int_field(session: Session, key: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and re.fullmatch(r"\d[\d,_]*", value.strip()):
        return int(re.sub(r"[,_]", "", value))
    _problem(
        session,
        session.key_lines.get(key),
        "error",
        f"{key} must be a whole number of tokens, not {value!r}",
        f"write it as {key}: 85834",
        blocking=True,
    )
    return None


def _infer_legacy(session: Session, text: str, keep_legacy_flag: bool = True) -> None:
    """Fill a session's fields from a hand-written export's headings and bold lines."""
    facts = read_legacy(text, session.path)  # its folders may say the date
    session.legacy = keep_legacy_flag
    session.title = facts.title or session.title
    session.date = facts.date or session.date
    if facts.status is not None:
        session.status = facts.status
    if facts.tokens is not None:
        session.tokens, session.token_limit = facts.tokens, facts.token_limit
    if facts.duration is not None:
        session.extra["duration"] = facts.duration
    session.type = facts.type
    session.summary = facts.summary
    if session.date is None and keep_legacy_flag:
        _problem(
            session,
            None,
            "error",
            "no date: none in the file name and no '**Date**:' line",
            "add a line '**Date**: YYYY-MM-DD' under the title",
        )


def _scalar_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return None
    return one_line(str(value))


_CONFLICT = re.compile(r"^<{7}(?: |$)(?:.*\n)*?={7}$(?:.*\n)*?^>{7}(?: |$)", re.MULTILINE)


def _conflict_line(text: str) -> int | None:
    """The line of the first `<<<<<<<` that git's conflict markers follow through."""
    found = _CONFLICT.search(text) if "<<<<<<<" in text else None
    return text.count("\n", 0, found.start()) + 1 if found else None


def _problem(
    session: Session, line: int | None, level: str, message: str, hint: str, blocking: bool = False
) -> None:
    session.problems.append(Problem(session.path, line, level, message, hint, blocking))
